package offline

// Word is a word of a text as matching needs it: lower-cased as written (for dictionaries)
// and stemmed (for comparing inflected forms).
type Word struct {
	Text string
	Stem string
	Stop bool // a stop word of the language
}

// Words splits text into words in lang (an ISO 639-1 code; empty or unknown: no stemming),
// in order; runs of Chinese, Japanese or Korean characters become their character bigrams,
// which serve as both text and stem.
func Words(text, lang string) []Word {
	stem := stemFunc(lang)
	stops := stopSet(lang)
	var out []Word
	for _, t := range tokenize(text) {
		if !t.cjk {
			out = append(out, Word{Text: t.text, Stem: stem(t.text), Stop: stops[fold(t.text)]})
			continue
		}
		r := []rune(t.text)
		if len(r) == 1 {
			out = append(out, Word{Text: t.text, Stem: t.text})
		}
		for i := 0; i+1 < len(r); i++ {
			b := string(r[i : i+2])
			out = append(out, Word{Text: b, Stem: b})
		}
	}
	return out
}

// Stem returns the stem of one lower-case word in lang.
func Stem(word, lang string) string { return stemFunc(lang)(word) }
