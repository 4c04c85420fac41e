package textkit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period but rarely end a sentence; compared lower-cased without the
// final period.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "vs": true,
	"etc": true, "e.g": true, "i.e": true, "eg": true, "ie": true, "inc": true, "ltd": true,
	"co": true, "jr": true, "sr": true, "no": true, "nr": true, "fig": true, "approx": true,
	"ca": true, "z.b": true, "bzw": true, "usw": true, "vgl": true, "d.h": true, "sra": true,
	"srta": true, "p.ej": true, "ej": true, "cf": true, "mme": true, "mlle": true, "art": true,
	"vol": true, "p": true, "pp": true, "ch": true, "sec": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "т.е": true, "т.д": true, "т.п": true, "г": true,
}

// splitSentences splits text at . ! ? … and the CJK 。！？, at blank lines, and at line breaks
// that start a new item (a capital, digit or bullet) or follow a finished line. Line breaks
// inside a sentence, as in wrapped PDF text, are joined. Whitespace is collapsed and list bullets
// dropped, so every sentence reads well when quoted on its own.
func SplitSentences(text string) []string {
	var out []string
	var cur strings.Builder
	emit := func() {
		s := strings.TrimSpace(cur.String())
		s = strings.TrimLeft(s, "-*•·–— \t")
		if s != "" {
			out = append(out, strings.Join(strings.Fields(s), " "))
		}
		cur.Reset()
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '。' || r == '！' || r == '？':
			cur.WriteRune(r)
			i += size
			i = copyClosers(&cur, text, i)
			emit()
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
			start := i
			for i < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[i:])
				if r2 != '.' && r2 != '!' && r2 != '?' && r2 != '…' {
					break
				}
				cur.WriteRune(r2)
				i += s2
			}
			i = copyClosers(&cur, text, i)
			if endsSentence(text, start, i) {
				emit()
			}
			continue
		case r == '\n':
			if lineBreakEnds(text, i) {
				emit()
			} else {
				cur.WriteByte(' ')
			}
			i += size
			continue
		}
		cur.WriteRune(r)
		i += size
	}
	emit()
	return out
}

// copyClosers copies closing quotes and brackets that belong to the sentence just ended.
func copyClosers(cur *strings.Builder, text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !strings.ContainsRune(`"')]}”’»」』）`, r) {
			break
		}
		cur.WriteRune(r)
		i += size
	}
	return i
}

// endsSentence decides whether the terminators at text[start:end] end a sentence: they must be
// followed by whitespace and then not by a lower-case letter, and a lone period must not close
// an abbreviation or an initial ("U.S.", "J. Smith").
func endsSentence(text string, start, end int) bool {
	if end >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	if !unicode.IsSpace(r) {
		return false
	}
	next := strings.TrimLeftFunc(text[end:], unicode.IsSpace)
	if next == "" {
		return true
	}
	if n, _ := utf8.DecodeRuneInString(next); unicode.IsLower(n) {
		return false
	}
	if text[start] != '.' || end-start > 1 && text[start+1] == '.' {
		return true
	}
	w := start
	for w > 0 {
		p, size := utf8.DecodeLastRuneInString(text[:w])
		if !unicode.IsLetter(p) && p != '.' {
			break
		}
		w -= size
	}
	word := strings.ToLower(text[w:start])
	return !abbreviations[word] && !isInitials(text[w:start])
}

// isInitials reports single capitals joined by periods: "J" in "J. Smith", "U.S" in "U.S.".
func isInitials(w string) bool {
	for part := range strings.SplitSeq(w, ".") {
		r, size := utf8.DecodeRuneInString(part)
		if size != len(part) || !unicode.IsUpper(r) {
			return false
		}
	}
	return w != ""
}

// lineBreakEnds reports whether the line break at text[i] ends a sentence.
func lineBreakEnds(text string, i int) bool {
	rest := strings.TrimLeft(text[i+1:], " \t\r")
	if rest == "" || rest[0] == '\n' {
		return true // blank line: paragraph break
	}
	prev := strings.TrimRight(text[:i], " \t\r")
	if prev == "" {
		return true
	}
	if p, _ := utf8.DecodeLastRuneInString(prev); strings.ContainsRune(":;.!?。！？", p) {
		return true
	}
	n, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsUpper(n) || unicode.IsDigit(n) || strings.ContainsRune("-*•·–—", n) || IsCJK(n)
}
