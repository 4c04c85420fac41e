package answer

import (
	"strings"
	"testing"

	"github.com/lorebase/lorebase/retrieval"
)

// A German modal verb ("kann", "darf") is a function word like English "can": two questions
// that share only it are not the same question, while the same question asked with another
// modal still matches its pair.
func TestFAQGermanModalVerbs(t *testing.T) {
	pairs := []retrieval.Result{
		qa("Kann ich mit Kreditkarte bezahlen?", "Ja, wir akzeptieren Visa und Mastercard.", 0.2),
		qa("Wie erreiche ich den Kundendienst?", "Rufen Sie uns montags bis freitags an.", 0.1),
	}
	m := configuredEngine(Config{}, pairs...).faq
	for _, q := range []string{"Kann man sie verschieben?", "Kann man das Abo pausieren?"} {
		if d := m.decide(q, "de", pairs, pairs); d.Matched || d.Candidates[0].Question > 0 {
			b, _ := d.Best()
			t.Errorf("%q: matched %v %q (similarity %.2f, decision %.2f) on the modal verb alone", q, d.Matched, b.Result.Title, b.Question, b.Decision)
		}
	}
	d := m.decide("Darf man mit Kreditkarte bezahlen?", "de", pairs, pairs)
	if b, _ := d.Best(); !d.Matched || b.Result.ID != pairs[0].ID {
		t.Errorf("the card question asked with another modal: matched %v, best %q (%.2f)", d.Matched, b.Result.Content, b.Decision)
	}
}

// A section's headings are the context of its sentences, as a curated question is of its
// answer: a question worded like the heading is answered from the section, not abstained on.
func TestHeadingsAreContext(t *testing.T) {
	section := text("manual.md", "Every four weeks, pour a cup of vinegar into the reservoir and let the device run for an hour. "+
		"Then rinse the reservoir twice.")
	section.HeadingPath = []string{"Care", "Descaling the water tank"}
	other := text("specs.md", "The device weighs 2.4 kg and draws 30 W in normal mode.")
	rep := ask(t, offlineEngine(section, other), "How do I descale the water tank?")
	if rep.AnswerMode != ModeExtractive || !strings.HasPrefix(rep.Content, "Every four weeks") || len(rep.Sources) != 1 ||
		rep.Sources[0].Title != "manual.md" {
		t.Fatalf("mode %s, reply %q, sources %+v: want the descaling section", rep.AnswerMode, rep.Content, rep.Sources)
	}
	if strings.Contains(rep.Content, "Descaling") {
		t.Errorf("reply %q quotes the heading", rep.Content)
	}
}
