package textkit

import (
	"unicode"
	"unicode/utf8"
)

// IsCJK reports letters of the scripts written without spaces between words (Han, Hiragana,
// Katakana) and Hangul, whose space-separated words carry attached particles; for all of them
// character bigrams match better than words. The Katakana length mark ー is script Common in
// Unicode but belongs to the word it lengthens, so it counts too.
func IsCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー'
}

// IsCJKPunct reports CJK symbols and punctuation (U+3000–U+303F: 。、「」 and the ideographic
// space) and the half- and full-width forms (U+FF00–U+FFEF), which CJK text sets without spaces.
func IsCJKPunct(r rune) bool {
	return (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// HasCJK reports whether s contains a CJK letter (see IsCJK).
func HasCJK(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsCJK(r) {
			return true
		}
		i += n
	}
	return false
}
