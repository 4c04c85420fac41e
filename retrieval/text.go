package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lorebase/lorebase/textkit"
)

// configByLanguage maps ISO 639-1 codes to the text search configurations PostgreSQL 13+ ships
// (Snowball stemmers and stop words). Languages without one, and Chinese, Japanese and Korean
// (no stemmer; PrepareText turns them into bigrams), use 'simple': lower-casing only.
var configByLanguage = map[string]string{
	"ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
	"nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
	"el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
	"it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
	"nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
	"es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}

// configNames accepts configuration names too ("german"), for callers that store those.
var configNames = func() map[string]bool {
	m := map[string]bool{"simple": true}
	for _, c := range configByLanguage {
		m[c] = true
	}
	return m
}()

// ConfigSimple is the configuration for languages without a stemmer.
const ConfigSimple = "simple"

// TextConfig returns the PostgreSQL text search configuration for a language given as an ISO
// 639-1 code ("de"), a locale ("pt-BR", "en_US") or a configuration name ("german"); unknown
// languages, and zh, ja and ko, get "simple". The result is always a configuration name from a
// fixed list, never the input itself.
func TextConfig(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if configNames[l] {
		return l
	}
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if c, ok := configByLanguage[l]; ok {
		return c
	}
	return ConfigSimple
}

// PrepareText returns the text to store in chunks.search_text, or to search with. Identifiers
// are written out as a whole and as their parts (see expandIdentifiers). PostgreSQL's
// parser splits on spaces and punctuation, so a run of Chinese, Japanese or Korean characters
// would become a single token that only an identical run could match; each such run is
// replaced by its overlapping character bigrams ("东京塔" → "东京 京塔"), the usual indexing
// unit for CJK without a dictionary, set apart by spaces. A one-character run stays as it is.
// Everything else is unchanged: stemming is the text search configuration's job. The language
// does not change the result today (CJK runs are handled in any language, since mixed text is
// common); it is part of the signature so that language-specific preparation stays local.
func PrepareText(text, lang string) string {
	_ = lang
	// NFKC folds what PDFs are full of and the parser would keep apart: ligatures ("ﬁ" → "fi"),
	// full-width forms, compatibility digits.
	if !norm.NFKC.IsNormalString(text) {
		text = norm.NFKC.String(text)
	}
	text = expandIdentifiers(text)
	if !textkit.HasCJK(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) * 2)
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte(' ')
		if len(run) == 1 {
			b.WriteRune(run[0])
		}
		for i := 0; i+1 < len(run); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(run[i])
			b.WriteRune(run[i+1])
		}
		b.WriteByte(' ')
		run = run[:0]
	}
	for _, r := range text {
		if textkit.IsCJK(r) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// expandIdentifiers rewrites the identifiers of technical text so that PostgreSQL's parser
// indexes them as written and as their parts. Left alone, the parser splits PGDATA_MAX_SIZE into
// pgdata, max and size (a question that types the name cannot find it as one term), keeps
// server.maxBodySize as one "host" token (a question about the body size cannot find it) and
// keeps getUserName whole. An identifier here is a run of letters, digits, '_' and '.' that
// has at least two parts of two or more characters, parts being separated by '_' or '.'
// (snake_case, dotted.names) or by a change of case (camelCase, HTTPServer). Each one is
// replaced by its whole form without separators (PGDATAMAXSIZE: one rare term that only the
// identifier itself produces), then each separated segment, then each segment's case parts:
//
//	PGDATA_MAX_SIZE     → PGDATAMAXSIZE PGDATA MAX SIZE
//	server.maxBodySize  → servermaxBodySize server maxBodySize max Body Size
//	getUserName         → getUserName get User Name
//
// Queries go through the same function, so a question that types the identifier matches its
// whole form and one that names its parts matches those. Words in URLs, paths and e-mail
// addresses (containing '/', '\' or '@') are left to the parser, which has token types for
// them; so are numbers and versions (1.2.3, v2.0: fewer than two parts with letters),
// abbreviations (e.g., z.B.: one-letter parts) and words with one capital inside (iPhone, eBay).
func expandIdentifiers(text string) string {
	if !strings.ContainsAny(text, "_.") && !hasInnerUpper(text) {
		return text
	}
	var b strings.Builder
	changed := false
	rest := text
	for len(rest) > 0 {
		// One whitespace-delimited field at a time.
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		j := strings.IndexFunc(rest, unicode.IsSpace)
		if j < 0 {
			j = len(rest)
		}
		field := rest[:j]
		rest = rest[j:]
		if strings.ContainsAny(field, "/\\@") {
			b.WriteString(field)
			continue
		}
		if expandField(&b, field) {
			changed = true
		}
	}
	if !changed {
		return text
	}
	return b.String()
}

// hasInnerUpper reports a change of case inside a word: an upper-case letter after a
// lower-case one (camelCase), or a lower-case one after two upper-case ones (HTTPServer).
func hasInnerUpper(s string) bool {
	var p2, p1 rune
	for _, r := range s {
		if (unicode.IsLower(p1) && unicode.IsUpper(r)) || (unicode.IsUpper(p2) && unicode.IsUpper(p1) && unicode.IsLower(r)) {
			return true
		}
		p2, p1 = p1, r
	}
	return false
}

// isIdentRune is a rune an identifier may hold; CJK characters end one (they are bigrammed).
func isIdentRune(r rune) bool {
	return r == '_' || r == '.' || ((unicode.IsLetter(r) || unicode.IsDigit(r)) && !textkit.IsCJK(r))
}

// expandField writes field with its identifiers expanded and reports whether any was.
func expandField(b *strings.Builder, field string) bool {
	changed := false
	for len(field) > 0 {
		i := strings.IndexFunc(field, isIdentRune)
		if i < 0 {
			b.WriteString(field)
			return changed
		}
		b.WriteString(field[:i])
		field = field[i:]
		j := strings.IndexFunc(field, func(r rune) bool { return !isIdentRune(r) })
		if j < 0 {
			j = len(field)
		}
		run := field[:j]
		field = field[j:]
		// Separators at the edges are punctuation (a sentence's full stop, _emphasis_).
		core := strings.TrimLeft(run, "._")
		lead := run[:len(run)-len(core)]
		trimmed := strings.TrimRight(core, "._")
		trail := core[len(trimmed):]
		if exp, ok := identifierForms(trimmed); ok {
			b.WriteString(lead)
			b.WriteString(exp)
			b.WriteString(trail)
			changed = true
		} else {
			b.WriteString(run)
		}
	}
	return changed
}

// identifierForms returns the expansion of one run of letters, digits, '_' and '.', or false
// when the run is not an identifier.
func identifierForms(run string) (string, bool) {
	segs := strings.FieldsFunc(run, func(r rune) bool { return r == '_' || r == '.' })
	separated := 0 // segments of two or more runes holding a letter
	for _, s := range segs {
		if utf8.RuneCountInString(s) >= 2 && strings.IndexFunc(s, unicode.IsLetter) >= 0 {
			separated++
		}
	}
	split := len(segs) >= 2 && separated >= 2
	parts := make([][]string, len(segs))
	cased := false
	for i, s := range segs {
		if p := caseParts(s); len(p) >= 2 {
			parts[i], cased = p, true
		}
	}
	if !split && !cased {
		return "", false
	}
	var out []string
	if !split {
		// Not separated into parts worth indexing (x.getName, 0.0AaA0): the run as written,
		// then the case parts of its camelCase segments.
		out = append(out, run)
		for _, p := range parts {
			out = append(out, p...)
		}
		return strings.Join(out, " "), true
	}
	out = append(out, strings.Join(segs, ""))
	for i, s := range segs {
		out = append(out, s)
		out = append(out, parts[i]...)
	}
	return strings.Join(out, " "), true
}

// caseParts splits a word at changes of case: getUserName → get User Name, HTTPServer → HTTP
// Server, maxBodySize2 → max Body Size2 (digits stay with the part before them). It returns
// nil unless at least two parts have two or more runes, so iPhone, eBay and NaN stay whole.
func caseParts(w string) []string {
	rs := []rune(w)
	var parts []string
	start := 0
	for i := 1; i < len(rs); i++ {
		lowerToUpper := unicode.IsLower(rs[i-1]) && unicode.IsUpper(rs[i])
		acronymEnd := i+1 < len(rs) && unicode.IsUpper(rs[i-1]) && unicode.IsUpper(rs[i]) && unicode.IsLower(rs[i+1])
		if lowerToUpper || acronymEnd {
			parts = append(parts, string(rs[start:i]))
			start = i
		}
	}
	parts = append(parts, string(rs[start:]))
	long := 0
	for _, p := range parts {
		if utf8.RuneCountInString(p) >= 2 {
			long++
		}
	}
	if len(parts) < 2 || long < 2 {
		return nil
	}
	return parts
}
