package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is a word or a run of CJK characters, lower-cased and NFKC-normalised but with accents
// kept, because the snowball stemmers need them; fold removes them where matching must ignore them.
type token struct {
	text string
	cjk  bool // a run of Han, Kana or Hangul characters, which has no spaces between words
	brk  bool // punctuation separates this token from the previous one
}

// normalize applies NFKC (full-width forms, ligatures, compatibility digits) and lower-cases.
func normalize(s string) string {
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

// fold removes Latin accents and expands ß so "Größe", "grösse" and "grosse" match.
// Scripts whose marks carry meaning (Kana voicing, Hangul) are left alone.
func fold(s string) string {
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

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 'ー' // the Katakana length mark is script Common but belongs to the word
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

// tokenize normalises s and splits it into words and CJK runs. Apostrophes and hyphens split
// words ("l'homme" → "l", "homme"; "e-mail" → "e", "mail"), which suits retrieval better than
// keeping them.
func tokenize(s string) []token {
	s = normalize(s)
	toks := make([]token, 0, len(s)/5+1)
	start, inCJK, brk := -1, false, false
	flush := func(end int) {
		if start >= 0 {
			toks = append(toks, token{text: s[start:end], cjk: inCJK, brk: brk})
			brk = false
		}
		start = -1
	}
	for i, r := range s {
		switch {
		case isCJK(r):
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

// isDigits reports whether w holds only decimal digits; numbers get no subword n-grams because
// "2015" sharing "201" with "2016" is a coincidence, not morphology.
func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// countWords estimates words the way token budgets do: whitespace-separated words, plus one per
// CJK character since those scripts do not separate words.
func countWords(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case isCJK(r):
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
