package retrieval

import (
	"strings"

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

// PrepareText returns the text to store in chunks.search_text, or to search with. PostgreSQL's
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
