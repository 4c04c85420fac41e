package textkit

// Word is a word of a text as matching needs it: lower-cased as written (for dictionaries)
// and stemmed (for comparing inflected forms).
type Word struct {
	Text string
	Stem string
	Stop bool // a stop word of the language for matching questions (IsQuestionStopWord)
}

// Words splits text into words in lang (an ISO 639-1 code; empty or unknown: no stemming),
// in order; runs of Chinese, Japanese or Korean characters become their character bigrams,
// which serve as both text and stem.
func Words(text, lang string) []Word {
	stem := Stemmer(lang)
	stop := questionStops(lang)
	var out []Word
	for _, t := range Tokenize(text) {
		if !t.CJK {
			out = append(out, Word{Text: t.Text, Stem: stem(t.Text), Stop: stop(Fold(t.Text))})
			continue
		}
		r := []rune(t.Text)
		if len(r) == 1 {
			out = append(out, Word{Text: t.Text, Stem: t.Text})
		}
		for i := 0; i+1 < len(r); i++ {
			b := string(r[i : i+2])
			out = append(out, Word{Text: b, Stem: b})
		}
	}
	return out
}
