package textkit

import (
	"unicode"
)

// latinLanguages are the Latin-script languages DetectLanguage tells apart, in tie-break order
// (the more likely language of a support knowledge base first).
var latinLanguages = []string{"en", "de", "es", "fr", "pt", "it", "nl"}

// letterHints are letters that nearly only one of the Latin languages uses; each occurrence
// counts as one more stop-word hit for it.
var letterHints = map[rune]string{
	'ñ': "es", '¿': "es", '¡': "es",
	'ß': "de", 'ä': "de", 'ö': "de", 'ü': "de",
	'ã': "pt", 'õ': "pt",
	'ì': "it", 'ò': "it",
	'ê': "fr", 'â': "fr", 'î': "fr", 'û': "fr", 'œ': "fr", 'ë': "fr", 'è': "fr",
	'ĳ': "nl",
}

// DetectLanguage guesses the ISO 639-1 code of text among en, de, es, fr, pt, it, nl, ru, zh, ja
// and ko. The script decides zh, ja, ko and ru; Latin-script languages are told apart by counting
// their stop words and a few telltale letters. It returns "" when the evidence is too thin or too
// close to call, e.g. for a single word or a product name.
func DetectLanguage(text string) string {
	var letters, han, kana, hangul, cyrillic, latin int
	hints := make(map[string]int)
	for _, r := range text {
		if !unicode.IsLetter(r) {
			if l, ok := letterHints[r]; ok {
				hints[l]++
			}
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic++
		case unicode.Is(unicode.Latin, r):
			latin++
			if l, ok := letterHints[unicode.ToLower(r)]; ok {
				hints[l]++
			}
		}
	}
	if letters == 0 {
		return ""
	}
	cjk := han + kana + hangul
	switch {
	case hangul*3 > letters:
		return "ko"
	case kana > 0 && cjk*3 > letters && kana*20 >= han+kana:
		// Japanese mixes Kanji with Kana; Chinese text almost never contains Kana.
		return "ja"
	case han*3 > letters:
		return "zh"
	case cyrillic*2 > letters:
		return "ru"
	case latin*2 <= letters:
		return ""
	}
	toks := Tokenize(text)
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		if !t.CJK {
			words = append(words, Fold(t.Text))
		}
	}
	return DetectLatin(words, hints)
}

// DetectLatin guesses the Latin-script language of folded words by how many of them are its
// stop words (hints adds counts of telltale letters and may be nil); "" when no language leads
// clearly.
func DetectLatin(words []string, hints map[string]int) string {
	score := make(map[string]int, len(latinLanguages))
	for l, n := range hints {
		score[l] += n
	}
	var counts [8]int
	for _, w := range words {
		bits := stopLangs[w]
		for i := 0; bits != 0; i, bits = i+1, bits>>1 {
			counts[i] += int(bits & 1)
		}
	}
	for i, l := range latinLanguages {
		score[l] += counts[i]
	}
	best, second := "", 0
	for _, l := range latinLanguages {
		switch s := score[l]; {
		case best == "" || s > score[best]:
			if best != "" {
				second = score[best]
			}
			best = l
		case s > second:
			second = s
		}
	}
	// Shared words ("de", "a", "en") raise several languages together; only a clear lead counts.
	if score[best] == 0 || score[best] <= second || (score[best] < 2 && second > 0) {
		return ""
	}
	return best
}
