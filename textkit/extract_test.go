package textkit

import (
	"strings"
	"testing"
)

// minEvidence is the answer engine's default evidence threshold (answer.Config.MinEvidence):
// below it, and without a close vector match, the engine abstains.
const minEvidence = 0.3

func extract(question string, texts ...string) Extraction {
	ps := make([]Passage, len(texts))
	for i, t := range texts {
		ps[i] = Passage{N: i + 1, Text: t}
	}
	return Extract(question, ps, ExtractConfig{})
}

// German modal verbs are function words like English "can" and "should", which the English
// stop words hold: unmatched, "sollte" weighed as much as the question's subject, and a
// German question whose answer was right there looked unanswered.
func TestExtractGermanModalVerbs(t *testing.T) {
	t.Parallel()
	descale := []string{
		"Der Wassertank fasst drei Liter und lässt sich zum Befüllen abnehmen.",
		"Entkalken Sie den Wassertank alle vier Wochen mit einer Tasse Essig.",
		"Bei leerem Wassertank schaltet sich das Gerät ab.",
	}
	// Typed in lower case, the question's nouns give no sign (see topicWords): only the modal
	// verb's weight is at stake.
	for _, q := range []string{"Wie oft sollte ich den Wassertank entkalken?", "wie oft muss man den wassertank entkalken?",
		"sollte ich den wassertank entkalken?"} {
		// The descaling sentence has every word the question asks about (0.35 when the modal
		// verb counted).
		got := extract(q, strings.Join(descale, " "))
		if !strings.Contains(got.Text, "alle vier Wochen") || got.Confidence < 0.9 {
			t.Errorf("%q: %q, evidence %.3f; want the descaling sentence with evidence ≥ 0.9", q, got.Text, got.Confidence)
		}
	}
}

// German writes nouns with a capital, and a question's nouns name what it asks about: a verb
// the passages share does not make up for a noun they never mention, and a verb they do not
// share does not hide that they answer the question.
func TestExtractGermanEvidenceFollowsNouns(t *testing.T) {
	t.Parallel()
	scooter := "Der Motor hält im Dauerbetrieb zwei Stunden durch. Die Bremsen greifen auch bei Nässe zuverlässig. " +
		"Der Rahmen besteht aus Aluminium. Die Reifen sind pannensicher."
	if got := extract("Wie lange hält der Sattel?", scooter); got.Confidence >= minEvidence {
		t.Errorf("a question about the saddle, which the text never names: %q, evidence %.3f, want < %.1f", got.Text, got.Confidence, minEvidence)
	}
	if got := extract("Wie lange hält der Motor?", scooter); !strings.HasPrefix(got.Text, "Der Motor hält") || got.Confidence < minEvidence {
		t.Errorf("the motor: %q, evidence %.3f", got.Text, got.Confidence)
	}
	voucher := "Jeder Gutschein ist drei Jahre lang einlösbar. Eine Barauszahlung ist nicht möglich. " +
		"Sie können online oder in jeder Filiale bezahlen."
	if got := extract("Wie lange gilt ein Gutschein?", voucher); !strings.Contains(got.Text, "drei Jahre") || got.Confidence < minEvidence {
		t.Errorf("the voucher's validity: %q, evidence %.3f; want the sentence with evidence ≥ %.1f", got.Text, got.Confidence, minEvidence)
	}
	// A question typed in lower case gives no sign of its nouns: every word counts alike.
	if topicWords("wie lange hält der sattel?", "de") != nil || topicWords("How long does the Saddle last?", "en") != nil {
		t.Error("topic words without capitals or outside German")
	}
	if got := topicWords("Wie lange hält der Akku des AF-300? Gilt das auch für Ersatzakkus?", "de"); len(got) != 4 ||
		!got["akku"] || !got["af"] || !got["300"] || !got["ersatzakkus"] {
		t.Errorf("topic words %v, want akku, af, 300 and ersatzakkus (not the sentence openers)", got)
	}
}

// The words that ask for a number ("how long", "wie oft") are answered by the number, not
// repeated by the answer.
func TestExtractCueWordsAskForTheKind(t *testing.T) {
	t.Parallel()
	got := extract("How often should I replace the blade?",
		"Replace the blade every 50 hours of use. The blade is made of hardened steel. Keep the blade dry after cleaning.")
	if !strings.HasPrefix(got.Text, "Replace the blade every 50 hours of use") || got.Confidence < 0.9 {
		t.Errorf("%q, evidence %.3f: the answer covers all the question asks about", got.Text, got.Confidence)
	}
}

// The sentence after the best one is quoted when it refers back to it and the best one only
// names what is asked about, not when the best one covers the question.
func TestExtractContinuation(t *testing.T) {
	t.Parallel()
	history := "The city's first tram line opened in 1881 and ran until the flood of 1910. " +
		"It was rebuilt in 1925 with electric cars. The depot now houses a museum."
	got := extract("When was the city's tram line brought back into service?", history)
	if !strings.Contains(got.Text, "It was rebuilt in 1925") {
		t.Errorf("%q: want the continuation that holds the answer", got.Text)
	}
	got = extract("When did the city's first tram line open?", history)
	if got.Text != "The city's first tram line opened in 1881 and ran until the flood of 1910 [1]." {
		t.Errorf("%q: the first sentence answers; its continuation only lengthens the reply", got.Text)
	}
}

// A passage's context (a curated question, a section's headings) counts toward its sentences,
// but not by the words every question uses: "How long does shipping take?" is no evidence for
// "How long do repairs take?".
func TestExtractContextIgnoresGenericWords(t *testing.T) {
	t.Parallel()
	ps := []Passage{
		{N: 1, Text: "Repairs are completed within ten working days of receipt. A repair after the warranty costs a flat fee."},
		{N: 2, Context: "How long does shipping take?", Text: "Orders are delivered within 3 to 5 working days."},
	}
	got := Extract("How long do repairs take?", ps, ExtractConfig{})
	if !strings.HasPrefix(got.Text, "Repairs are completed within ten working days") || strings.Contains(got.Text, "[2]") {
		t.Errorf("%q: want the repair sentence alone", got.Text)
	}
	// A section heading names what its sentences are about.
	care := "Every four weeks, pour a cup of vinegar into the reservoir and let the device run for an hour. Then rinse the reservoir twice."
	ps = []Passage{{N: 1, Context: "Care\nDescaling the water tank", Text: care}}
	if got := Extract("How do I descale the water tank?", ps, ExtractConfig{}); !strings.HasPrefix(got.Text, "Every four weeks") || got.Confidence < minEvidence {
		t.Errorf("%q, evidence %.3f: the heading says what the section answers", got.Text, got.Confidence)
	}
	if got := extract("How do I descale the water tank?", care); got.Confidence >= minEvidence {
		t.Errorf("without its heading the section is no evidence (%q, %.3f): the test needs the heading", got.Text, got.Confidence)
	}
}

// A sentence that refers back and otherwise only restates the question ("Damit wird … ",
// "This resets …") is answered by the sentence before it, which is quoted with it.
func TestExtractAntecedent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ question, text, want string }{
		{"Wie entsperre ich das Bedienfeld?",
			"Das Bedienfeld hat sechs Tasten. Drücken Sie die Menütaste drei Sekunden lang. Damit wird das Bedienfeld entsperrt. Die Anzeige leuchtet dann grün.",
			"Drücken Sie die Menütaste drei Sekunden lang [1]. Damit wird das Bedienfeld entsperrt [1]."},
		{"How do I unlock the control panel?",
			"The control panel has six buttons. Press the menu button for three seconds. This unlocks the control panel. The display then turns green.",
			"Press the menu button for three seconds [1]. This unlocks the control panel [1]."},
	} {
		if got := extract(tc.question, tc.text); got.Text != tc.want {
			t.Errorf("%q: %q, want %q", tc.question, got.Text, tc.want)
		}
	}
}

func TestQuestionWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		word, lang    string
		stop, generic bool
	}{
		{"sollte", "de", true, false}, {"konnte", "de", true, false}, {"kann", "", true, false}, // unknown language: any list
		{"should", "en", true, false}, {"kann", "en", false, false}, {"filter", "de", false, false},
		{"dauert", "de", false, true}, {"long", "en", false, true}, {"lange", "en", false, false},
	} {
		if got := IsQuestionStopWord(tc.word, tc.lang); got != tc.stop {
			t.Errorf("IsQuestionStopWord(%q, %q) = %v", tc.word, tc.lang, got)
		}
		if got := IsGenericWord(tc.word, tc.lang); got != tc.generic {
			t.Errorf("IsGenericWord(%q, %q) = %v", tc.word, tc.lang, got)
		}
	}
}
