package textkit

import (
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/russian"
	"github.com/kljensen/snowball/spanish"
)

// prefixStemLength is the crude stem for languages snowball does not cover here (de, pt, it,
// nl): truncating to a prefix is a known, surprisingly good stand-in for inflection in IR.
const prefixStemLength = 6

// Stemmer returns the stemmer for lang. Stemmers get the lower-cased word with its accents,
// which snowball's suffix rules rely on; the stem is folded afterwards.
func Stemmer(lang string) func(string) string {
	var f func(string, bool) string
	switch lang {
	case "en":
		f = english.Stem
	case "es":
		f = spanish.Stem
	case "fr":
		f = french.Stem
	case "ru":
		f = russian.Stem
	}
	return func(w string) string {
		if IsDigits(w) {
			return w
		}
		if f != nil {
			return Fold(f(w, true))
		}
		w = Fold(w)
		if utf8.RuneCountInString(w) > prefixStemLength {
			w = string([]rune(w)[:prefixStemLength])
		}
		return w
	}
}

// term is a matchable unit of text: a stemmed word, or a CJK character bigram (prefixed so it
// cannot equal a word).
type term struct {
	text    string
	stop    bool // a stop word of the language, or a question stop word (see questionStopWords)
	generic bool // a word questions use whatever they ask about (see genericWords)
}

// terms breaks text into terms for lang. A CJK run yields its bigrams, or the character itself
// when alone.
func terms(text string, lang string, stem func(string) string) []term {
	stop, generic := questionStops(lang), genericSet(lang)
	var out []term
	for _, t := range Tokenize(text) {
		if !t.CJK {
			w := Fold(t.Text)
			out = append(out, term{text: stem(t.Text), stop: stop(w), generic: generic[w]})
			continue
		}
		prev := -1
		for i, c := range t.Text {
			if prev >= 0 {
				out = append(out, term{text: "\x00" + t.Text[prev:i+utf8.RuneLen(c)]})
			}
			prev = i
		}
		// Characters too: questions often share single characters with the answer but not
		// the bigram, and IDF keeps common ones (的, 是) from counting much.
		for i, c := range t.Text {
			out = append(out, term{text: "\x01" + t.Text[i:i+utf8.RuneLen(c)]})
		}
	}
	return out
}
