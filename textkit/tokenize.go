package textkit

import (
	"unicode"
)

// Token is a word or a run of CJK characters, lower-cased and NFKC-normalised but with accents
// kept, because the snowball stemmers need them; Fold removes them where matching must ignore them.
type Token struct {
	Text  string
	CJK   bool // a run of Han, Kana or Hangul characters, which has no spaces between words
	Break bool // punctuation separates this token from the previous one
}

// isBreak reports punctuation that ends a phrase, so bigrams do not span it.
func isBreak(r rune) bool {
	switch r {
	case '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '"', '«', '»', '“', '”',
		'。', '，', '、', '！', '？', '；', '：', '（', '）', '「', '」', '\n':
		return true
	}
	return false
}

// Tokenize normalises s and splits it into words and CJK runs. Apostrophes and hyphens split
// words ("l'homme" → "l", "homme"; "e-mail" → "e", "mail"), which suits retrieval better than
// keeping them.
func Tokenize(s string) []Token {
	s = Normalize(s)
	toks := make([]Token, 0, len(s)/5+1)
	start, inCJK, brk := -1, false, false
	flush := func(end int) {
		if start >= 0 {
			toks = append(toks, Token{Text: s[start:end], CJK: inCJK, Break: brk})
			brk = false
		}
		start = -1
	}
	for i, r := range s {
		switch {
		case IsCJK(r):
			if start >= 0 && !inCJK {
				flush(i)
			}
			if start < 0 {
				start, inCJK = i, true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (start >= 0 && !inCJK && unicode.In(r, unicode.Mn, unicode.Mc)):
			if start >= 0 && inCJK {
				flush(i)
			}
			if start < 0 {
				start, inCJK = i, false
			}
		default:
			flush(i)
			if isBreak(r) && len(toks) > 0 {
				brk = true
			}
		}
	}
	flush(len(s))
	return toks
}

// CountWords estimates words the way token budgets do: whitespace-separated words, plus one per
// CJK character since those scripts do not separate words.
func CountWords(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case IsCJK(r):
			n++
			inWord = false
		case unicode.IsSpace(r):
			inWord = false
		default:
			if !inWord {
				n++
			}
			inWord = true
		}
	}
	return n
}
