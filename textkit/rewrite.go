package textkit

import (
	"strings"
)

// Rewrite limits: a question with more content words than followUpMaxContent stands alone
// unless it starts like a follow-up; at most rewriteMaxAdded words are borrowed, from at most
// rewriteMaxTurns previous user turns.
const (
	followUpMaxContent = 2
	rewriteMaxAdded    = 8
	rewriteMaxTurns    = 2
)

// anaphora are words pointing back at something said before ("is it free?", "¿cuánto cuesta
// eso?"). Words that are also articles or verbs elsewhere ("la", "die", "es") are left out,
// as they would make "¿Qué es la factura?" look like a follow-up.
var anaphora = setOf(`it its it's this that these those they them
	dies diese dieser dieses dessen deren ihm ihn dort davon dafür damit
	eso esto ello allí
	ça cela ceci celui celle
	isso isto dele dela nele
	esso questo quello
	dat dit deze ervan daar
	это этот эта эти он она оно они его её их там`)

// followUpOpeners start a question that continues the previous one ("and …", "what about …").
var followUpOpeners = []string{
	"and ", "also ", "what about ", "how about ", "and what about ", "what if ",
	"und ", "was ist mit ", "und was ist mit ", "y ", "¿y ", "y si ", "¿y si ", "que tal ", "¿que tal ",
	"et ", "et si ", "e ", "e se ", "en ", "и ", "а ", "а как ",
}

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[Fold(Normalize(w))] = true
	}
	return m
}

// Rewrite turns a follow-up question into a standalone search query by appending the content
// words of the previous user turn(s), given oldest first in userTurns: "and how much does it cost?" after "Do you sell the Pro
// plan?" becomes "and how much does it cost? sell Pro plan". It returns question unchanged when
// it looks self-contained (several content words, no back-reference) or there is no history.
// Retrieval only needs the right words present, so appending beats guessing a fluent sentence.
func Rewrite(userTurns []string, question string) string {
	q := strings.TrimSpace(question)
	if q == "" || !isFollowUp(q) {
		return question
	}
	have := map[string]bool{}
	for _, t := range Tokenize(q) {
		have[Fold(t.Text)] = true
	}
	var added []string
	turns := 0
	for i := len(userTurns) - 1; i >= 0 && turns < rewriteMaxTurns && len(added) < rewriteMaxAdded; i-- {
		turn := userTurns[i]
		if strings.TrimSpace(turn) == q {
			continue // the current question may already be the last history entry
		}
		turns++
		words := contentWords(turn, have)
		// the nearest turn's words come first, in their original order
		if room := rewriteMaxAdded - len(added); len(words) > room {
			words = words[:room]
		}
		added = append(added, words...)
		if len(words) > 0 && !isFollowUp(turn) {
			break // a self-contained turn carries the whole topic
		}
	}
	if len(added) == 0 {
		return question
	}
	return q + " " + strings.Join(added, " ")
}

// isFollowUp reports a question that likely depends on earlier turns: it opens like a
// continuation, or it is short and refers back or names almost nothing.
func isFollowUp(q string) bool {
	lower := strings.TrimLeft(Fold(Normalize(q)), " ¿¡\"'")
	for _, o := range followUpOpeners {
		if strings.HasPrefix(lower, strings.TrimLeft(o, "¿")) {
			return true
		}
	}
	content, back := 0, false
	for _, t := range Tokenize(q) {
		w := Fold(t.Text)
		switch {
		case anaphora[w]:
			back = true
		case t.CJK || !allStopWords[w] && !anyQuestionStopWord[w]:
			content++
		}
	}
	return content <= 1 || back && content <= followUpMaxContent
}

// contentWords returns the words of text, as written, that are not stop words, pronouns or
// already in have (which it extends), in order.
func contentWords(text string, have map[string]bool) []string {
	var out []string
	for _, t := range Tokenize(text) {
		w := Fold(t.Text)
		if have[w] || allStopWords[w] || anyQuestionStopWord[w] || anaphora[w] || (!t.CJK && len([]rune(w)) < 2) {
			continue
		}
		have[w] = true
		out = append(out, surface(text, t.Text))
	}
	return out
}

// surface finds the word as the user wrote it (with its capitals), falling back to the
// normalised form when normalisation changed its length.
func surface(text, lowered string) string {
	if i := strings.Index(strings.ToLower(text), lowered); i >= 0 && len(strings.ToLower(text)) == len(text) {
		return text[i : i+len(lowered)]
	}
	return lowered
}
