package textkit

import "unicode"

// Words that questions use whatever they ask about, for the answer side: matching a question
// against the sentences that answer it (Extract), against curated questions (answer's FAQ
// decision) and telling a follow-up from a question that stands alone (Rewrite). The shared
// stop-word lists also weigh the offline embedder's features and detect languages, so these
// extend them here instead of changing retrieval.
//
// questionStopWords are function words the shared list of a language leaves out although its
// English counterparts are in the English list: German modal verbs ("kann", "sollte") are what
// "can" and "should" are in English, and the unmatched, rare-looking "sollte" weighed as much
// as the question's subject, so a German question covered by its answer looked unanswered.
var questionStopWords = map[string]map[string]bool{
	"de": setOf(`kann kannst können könnt konnte konnten könnte könnten muss musst müssen müsst musste
		mussten müsste müssten soll sollst sollen sollt sollte solltest sollten darf darfst dürfen dürft
		durfte dürfte dürften will willst wollen wollt wollte wollten möchte möchtest möchten mag mögen
		würde würdest würden werde wirst`),
}

// genericWords are content words that questions use whatever they ask about ("how long does it
// take", "wie lange dauert es", "is there a way to"): they match between unrelated questions and
// between a question and a curated question of another topic, so matching a question's topic
// skips them. They can still be answered by a sentence that repeats them, which is why Extract
// keeps them among a question's terms and only a passage's context (a curated question, a
// section heading: what the passage is about) does not count them.
var genericWords = map[string]map[string]bool{
	"en": setOf(`long take takes took taking get gets got getting make makes made use used using way ways
		work works need needs want wants know find possible able happen happens thing things there much many
		good best better also still really please help anyone someone something anything else instead without
		like just even ever every one`),
	"de": setOf(`lange lang dauert dauern dauerte bekomme bekommst bekommt bekommen kriege kriegt mache
		machst macht machen gemacht benutze benutzt benutzen nutze nutzt nutzen verwende verwendet
		verwenden weg weise art funktioniert funktionieren brauche brauchst braucht brauchen weiss wissen
		finde findet finden möglich passiert passieren ding dinge sache sachen gibt gut gute besser beste
		wirklich bitte hilfe helfen jemand etwas irgendwie sonst stattdessen einfach immer jede jeder jedes`),
}

// IsQuestionStopWord reports a folded word that is a stop word of lang for matching questions
// with answers: the language's stop word or one of the function words its list leaves out.
func IsQuestionStopWord(word, lang string) bool {
	return questionStops(lang)(word)
}

// IsGenericWord reports a folded, lower-cased word that questions in lang use whatever they ask
// about (see genericWords); false for languages without a list.
func IsGenericWord(word, lang string) bool {
	return genericWords[lang][word]
}

// anyQuestionStopWord is the union of the languages' question stop words, for text whose
// language is not known.
var anyQuestionStopWord = func() map[string]bool {
	m := map[string]bool{}
	for _, set := range questionStopWords {
		for w := range set {
			m[w] = true
		}
	}
	return m
}()

// questionStops returns a lookup of lang's question stop words (any language's when lang has
// no list of its own).
func questionStops(lang string) func(string) bool {
	stops := StopWords(lang)
	extra, ok := questionStopWords[lang]
	if _, known := stopWordSets[lang]; !known {
		extra, ok = anyQuestionStopWord, true
	}
	if !ok {
		return func(w string) bool { return stops[w] }
	}
	return func(w string) bool { return stops[w] || extra[w] }
}

// genericSet returns lang's generic words, nil when it has none.
func genericSet(lang string) map[string]bool {
	return genericWords[lang]
}

// otherWordWeight is how much a word of a German question that is not a noun counts next to
// its nouns, when it has any. German writes nouns with a capital: they name what the question
// is about ("Wie lange hält der Akku?"), while its verbs, adjectives and adverbs say how it is
// asked ("gilt", "hält", "verhindere"), which the answer often words differently. Weighing them
// alike let a verb the passages happen to share ("hält") answer a question about something they
// never mention (the battery), and let an unshared verb ("gilt") hide that they answer one.
const otherWordWeight = 0.5

// topicWords returns, for languages that capitalise their nouns (German), the folded words of a
// question written with a capital other than at the start of a sentence, and words with
// digits ("AF-300", "2019"); nil for other languages or when the question has none (a question
// typed in lower case gives no sign).
func topicWords(question, lang string) map[string]bool {
	if lang != "de" {
		return nil
	}
	var out map[string]bool
	start := true // the first word of a sentence has a capital whatever it is
	word := []rune{}
	flush := func() {
		if len(word) == 0 {
			return
		}
		hasDigit := false
		for _, r := range word {
			hasDigit = hasDigit || unicode.IsDigit(r)
		}
		if hasDigit || !start && unicode.IsUpper(word[0]) {
			if out == nil {
				out = map[string]bool{}
			}
			out[Fold(Normalize(string(word)))] = true
		}
		start = false
		word = word[:0]
	}
	for _, r := range question {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc):
			word = append(word, r)
		default:
			flush()
			if r == '.' || r == '?' || r == '!' || r == '¿' || r == '¡' {
				start = true
			}
		}
	}
	flush()
	return out
}
