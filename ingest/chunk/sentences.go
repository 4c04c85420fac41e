package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// sentences splits s into sentence pieces covering all of its non-space text, in order. It is
// deliberately conservative: a missed boundary only makes a piece longer, while a false one
// cuts "e.g. this" or "v1.2" in half. Latin boundaries need ., ! or ? followed by whitespace and
// then something that can start a sentence (not a lowercase letter); CJK boundaries (。！？)
// need no whitespace, because those scripts do not use it.
func sentences(s string) []piece {
	var out []piece
	start := 0
	emit := func(end int) {
		if strings.TrimSpace(s[start:end]) != "" {
			out = append(out, newPiece(s, start, end))
		}
		start = end
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isCJKTerminator(r):
			i = skipClosers(s, skipTerminators(s, i))
			emit(i)
		case r == '.' || r == '!' || r == '?':
			j := skipClosers(s, skipTerminators(s, i))
			if j < len(s) {
				next, _ := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(next) {
					continue
				}
			}
			if r == '.' && isAbbreviation(s[start:i-size]) {
				continue
			}
			if !startsSentence(s[j:]) {
				continue
			}
			i = j
			emit(i)
		}
	}
	emit(len(s))
	return out
}

func isCJKTerminator(r rune) bool {
	return r == '。' || r == '！' || r == '？' || r == '｡'
}

func skipTerminators(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '.' && r != '!' && r != '?' && !isCJKTerminator(r) && r != '…' {
			break
		}
		i += size
	}
	return i
}

// skipClosers moves past quotes and brackets that close a sentence: `He said "Go."`.
func skipClosers(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !strings.ContainsRune("\"')]}”’»」』）】", r) {
			break
		}
		i += size
	}
	return i
}

// startsSentence reports whether the text after a terminator can begin a sentence: anything but
// a lowercase letter ("approx. three" continues), or the end of the text.
func startsSentence(rest string) bool {
	rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLower(r)
}

// abbreviations that usually precede a capitalised word without ending the sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "vs": true, "e.g": true, "i.e": true, "fig": true, "figs": true, "no": true,
	"nos": true, "vol": true, "approx": true, "cf": true, "ca": true, "al": true, "eq": true,
	"sec": true, "ch": true, "pp": true, "p": true, "inc": true, "ltd": true, "co": true,
	"corp": true, "dept": true, "gen": true, "gov": true, "u.s": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "z.b": true, "bzw": true, "nr": true,
}

// isAbbreviation looks at the word before a period: a known abbreviation or a single letter
// (an initial, "J. Smith").
func isAbbreviation(before string) bool {
	k := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	word := before[k+1:]
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsLetter(r)
	}
	return abbreviations[strings.ToLower(word)]
}
