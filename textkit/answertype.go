package textkit

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// answerKind is what a question asks for, when its wording says so.
type answerKind int

const (
	kindAny    answerKind = iota
	kindNumber            // how many, how much, wie viele, cuántos, сколько
	kindTime              // when, what year, wann, cuándo, когда
)

// kindCues open questions of each kind, per language; matched at a word boundary on the
// lower-cased question.
var kindCues = map[string]map[answerKind][]string{
	"en": {kindNumber: {"how many", "how much", "how long", "how often", "how old", "how far", "how large", "how big", "what percentage", "what percent"},
		kindTime: {"when", "what year", "which year", "what century", "which century", "what date", "in what year"}},
	"de": {kindNumber: {"wie viele", "wie viel", "wieviel", "wie lange", "wie oft", "wie häufig", "wie alt", "wie groß", "wie hoch", "wie weit"},
		kindTime: {"wann", "in welchem jahr", "welches jahr", "seit wann", "in welchem jahrhundert"}},
	"es": {kindNumber: {"cuántos", "cuántas", "cuánto", "cuánta"}, kindTime: {"cuándo", "en qué año", "qué año"}},
	"fr": {kindNumber: {"combien"}, kindTime: {"quand", "en quelle année", "quelle année"}},
	"pt": {kindNumber: {"quantos", "quantas", "quanto"}, kindTime: {"quando", "em que ano", "que ano"}},
	"it": {kindNumber: {"quanti", "quante", "quanto"}, kindTime: {"quando", "in che anno", "quale anno"}},
	"nl": {kindNumber: {"hoeveel", "hoe lang"}, kindTime: {"wanneer", "in welk jaar"}},
	"ru": {kindNumber: {"сколько"}, kindTime: {"когда", "в каком году"}},
}

// expectedAnswer reads the kind of answer a question wants from its wording, and the words of
// the phrase that says so ("long" of "how long"): those ask for the answer's kind, not its
// topic, and an answer seldom repeats them ("How long does a filter last?" – "between 6 and
// 12 months").
func expectedAnswer(question, lang string) (answerKind, []string) {
	cues, ok := kindCues[lang]
	if !ok {
		return kindAny, nil
	}
	q := " " + strings.Join(strings.FieldsFunc(strings.ToLower(question), func(r rune) bool {
		return r == ' ' || r == ',' || r == '?' || r == '¿' || r == '\t' || r == '\n'
	}), " ") + " "
	for _, kind := range []answerKind{kindTime, kindNumber} { // "how many years" still wants a number
		for _, cue := range cues[kind] {
			if strings.Contains(q, " "+cue+" ") {
				return kind, strings.Fields(cue)
			}
		}
	}
	return kindAny, nil
}

var (
	hasDigit    = regexp.MustCompile(`\d`)
	hasYear     = regexp.MustCompile(`\b1\d{3}\b|\b20\d{2}\b|\d{1,2}(st|nd|rd|th)? century|\d+(er|s)\b|\bjahrhundert`)
	numberWords = regexp.MustCompile(`(?i)\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend|millionen?|milliarden?|dos|tres|cuatro|cinco|mil|millones|deux|trois|quatre|cinq|cent|mille)\b`)
	monthNames  = regexp.MustCompile(`(?i)\b(january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b`)
)

// answerLikeness discounts sentences that cannot be the answer although they share the
// question's words: a question quoted back ("Do you ship to Canada?"), a sentence that only
// restates the question, and, when the question asks for a number or a time, a sentence
// without one. Sentences that carry what was asked for get a small bonus. It only reorders
// sentences; whether to answer at all still depends on coverage alone.
func answerLikeness(c *candidate, want answerKind) float64 {
	f := 1.0
	if last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(c.Text, " \"')»”")); last == '?' || last == '？' {
		f *= 0.5
	}
	if c.novel == 0 {
		f *= 0.6
	}
	switch want {
	case kindNumber:
		if hasDigit.MatchString(c.Text) || numberWords.MatchString(c.Text) {
			f *= 1.15
		} else {
			f *= 0.85
		}
	case kindTime:
		if hasYear.MatchString(c.Text) || monthNames.MatchString(c.Text) {
			f *= 1.15
		} else if !hasDigit.MatchString(c.Text) {
			f *= 0.85
		}
	}
	return f
}

// following is the sentence right after c in its passage, if any.
func following(cands []*candidate, c *candidate) *candidate {
	for _, x := range cands {
		if x.rank == c.rank && x.pos == c.pos+1 && x.PassageN == c.PassageN {
			return x
		}
	}
	return nil
}

// preceding is the sentence right before c in its passage, if any.
func preceding(cands []*candidate, c *candidate) *candidate {
	for _, x := range cands {
		if x.rank == c.rank && x.pos == c.pos-1 && x.PassageN == c.PassageN {
			return x
		}
	}
	return nil
}

// anaphoricOpeners start sentences that continue the previous one's subject.
var anaphoricOpeners = map[string]map[string]bool{
	"en": set("it", "he", "she", "they", "this", "these", "those", "its", "his", "her", "their", "there", "such"),
	"de": set("er", "sie", "es", "dies", "diese", "dieser", "dieses", "sein", "seine", "ihr", "ihre", "dort", "damit", "dabei"),
	"es": set("él", "ella", "ellos", "ellas", "este", "esta", "estos", "estas", "esto", "su", "sus"),
	"fr": set("il", "elle", "ils", "elles", "ce", "cette", "ces", "cela", "son", "sa", "ses", "leur", "leurs"),
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// startsAnaphoric reports a sentence whose first word refers back to the sentence before.
func startsAnaphoric(s, lang string) bool {
	openers, ok := anaphoricOpeners[lang]
	if !ok {
		return false
	}
	toks := Tokenize(s)
	return len(toks) > 0 && openers[toks[0].Text]
}
