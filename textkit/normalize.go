package textkit

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize applies NFKC (full-width forms, ligatures, compatibility digits) and lower-cases.
func Normalize(s string) string {
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	return strings.ToLower(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldTable maps accented Latin letters to their base letter; built once from the Unicode
// decompositions so no hand-written table can drift from them.
var foldTable = func() map[rune]rune {
	m := make(map[rune]rune)
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) < 2 || d[0] >= 0x250 {
				continue
			}
			marksOnly := true
			for _, x := range d[1:] {
				if !unicode.Is(unicode.Mn, x) {
					marksOnly = false
				}
			}
			if marksOnly {
				m[r] = d[0]
			}
		}
	}
	add(0xC0, 0x24F)    // Latin-1 Supplement, Latin Extended-A and -B
	add(0x1E00, 0x1EFF) // Latin Extended Additional (Vietnamese etc.)
	m['ё'] = 'е'        // Russian text writes ё and е interchangeably
	return m
}()

// Fold removes Latin accents and expands ß so "Größe", "grösse" and "grosse" match.
// Scripts whose marks carry meaning (Kana voicing, Hangul) are left alone.
func Fold(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == 'ß':
			b.WriteString("ss")
		case unicode.Is(unicode.Mn, r) && r < 0x370:
			// a combining accent NFKC could not compose
		default:
			if f, ok := foldTable[r]; ok {
				r = f
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsDigits reports whether w holds only decimal digits; numbers get no subword n-grams or stems
// because "2015" sharing "201" with "2016" is a coincidence, not morphology.
func IsDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}
