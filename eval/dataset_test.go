package eval

import (
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestBEIR(t *testing.T) {
	t.Parallel()
	ds, err := Open("../testdata/eval/fixtures/beir-mini", OpenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Format() != FormatBEIR || ds.Name() != "beir-mini" {
		t.Fatalf("format %s, name %s", ds.Format(), ds.Name())
	}
	docs := collect(t, ds.Documents())
	if len(docs) != 3 || docs[0].ID != "d1" || docs[0].Title != "Tides" || docs[1].Title != "d2" {
		t.Fatalf("documents: %+v", docs)
	}
	qs := collect(t, ds.Questions())
	// q3 is not judged in the split; d3 is judged 0 for q2, so not relevant.
	if len(qs) != 2 || !slices.Equal(qs[0].Relevant, []string{"d1"}) || !slices.Equal(qs[1].Relevant, []string{"d2"}) {
		t.Fatalf("questions: %+v", qs)
	}
	if _, err := Open("../testdata/eval/fixtures/beir-mini", OpenConfig{Split: "dev"}); err == nil {
		t.Fatal("a missing split should be refused")
	}
}

func TestSQuAD(t *testing.T) {
	t.Parallel()
	ds, err := Open("../testdata/eval/fixtures/squad-mini.en.json", OpenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	docs := collect(t, ds.Documents())
	if len(docs) != 3 || docs[1].ID != "Tides#1" || docs[2].ID != "Volcanoes#0" {
		t.Fatalf("documents: %+v", docs)
	}
	qs := collect(t, ds.Questions())
	if len(qs) != 3 || qs[0].Language != "en" || !slices.Equal(qs[0].Relevant, []string{"Tides#0"}) ||
		!slices.Equal(qs[0].Answers, []string{"the gravity of the Moon and the Sun", "gravity"}) || qs[2].Relevant[0] != "Volcanoes#0" {
		t.Fatalf("questions: %+v", qs)
	}
	// Stopping early must not fail (the decoder is abandoned mid-file).
	for range ds.Questions() {
		break
	}
}

func TestNativeSet(t *testing.T) {
	t.Parallel()
	ds, err := Open("../testdata/eval/kb", OpenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	docs := collect(t, ds.Documents())
	ids := map[string]Document{}
	for _, d := range docs {
		ids[d.ID] = d
	}
	if d, ok := ids["policy/warranty-and-returns.pdf"]; !ok || len(d.Data) == 0 {
		t.Fatalf("the policy PDF is missing: %v", slices.Collect(func(yield func(string) bool) {
			for _, d := range docs {
				yield(d.ID)
			}
		}))
	}
	if d := ids["faq/ozone"]; !d.IsQA() {
		t.Fatalf("faq/ozone should be a Q&A pair: %+v", d)
	}
	qs := collect(t, ds.Questions())
	kinds := map[string]int{}
	for _, q := range qs {
		kinds[q.Kind]++
		for _, s := range append(slices.Clone(q.Relevant), q.FAQ) {
			if _, ok := ids[s]; s != "" && !ok {
				t.Errorf("question %s names unknown source %q", q.ID, s)
			}
		}
		if q.Answerable == (q.Kind == "unanswerable") {
			t.Errorf("question %s: answerable %v for kind %s", q.ID, q.Answerable, q.Kind)
		}
	}
	if len(qs) < 60 || kinds["follow-up"] == 0 || kinds["multi-hop"] == 0 || kinds["unanswerable"] == 0 || kinds["paraphrase"] == 0 {
		t.Fatalf("%d questions by kind %v", len(qs), kinds)
	}
}

func TestOpenRefusesMalformedInput(t *testing.T) {
	t.Parallel()
	if _, err := Open("../testdata/eval/fixtures", OpenConfig{}); err == nil {
		t.Fatal("a folder without corpus.jsonl or questions.jsonl should be refused")
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"version": "1.1", "data": [{"title": 5}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Open(path, OpenConfig{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range ds.Questions() {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("want ErrFormat, got %v", err)
		}
		return
	}
	t.Fatal("no error for a malformed file")
}

func TestSample(t *testing.T) {
	t.Parallel()
	ds, err := Open("../testdata/eval/kb", OpenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Sample(ds.Questions(), 10, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Sample(ds.Questions(), 10, 7)
	c, _ := Sample(ds.Questions(), 10, 8)
	all, _ := Sample(ds.Questions(), 0, 7)
	idsOf := func(qs []Question) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.ID)
		}
		return out
	}
	if len(a) != 10 || !slices.Equal(idsOf(a), idsOf(b)) {
		t.Fatalf("same seed, different samples: %v %v", idsOf(a), idsOf(b))
	}
	if slices.Equal(idsOf(a), idsOf(c)) {
		t.Fatalf("another seed gave the same sample %v", idsOf(a))
	}
	// File order is kept.
	pos := map[string]int{}
	for i, q := range all {
		pos[q.ID] = i
	}
	if !slices.IsSortedFunc(a, func(x, y Question) int { return pos[x.ID] - pos[y.ID] }) {
		t.Fatalf("sample not in file order: %v", idsOf(a))
	}
}

func TestOpenFAQSet(t *testing.T) {
	ds, err := Open("../testdata/eval/fixtures/faq-mini", OpenConfig{Extra: "../testdata/eval/faq-unrelated.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Format() != FormatFAQ || ds.Name() != "faq-mini" {
		t.Fatalf("format %s, name %s", ds.Format(), ds.Name())
	}
	var docs []Document
	for d, err := range ds.Documents() {
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if len(docs) != 3 || !docs[0].IsQA() || docs[0].ID != "T001-A1" || docs[2].Answer != "Use the link on the sign-in page." {
		t.Fatalf("documents %+v", docs)
	}
	var qs []Question
	for q, err := range ds.Questions() {
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	if len(qs) != 42 {
		t.Fatalf("%d questions, want 2 and the 40 unrelated ones", len(qs))
	}
	q := qs[0]
	if q.Text != "Can you send orders to Canada?" || !q.Answerable || len(q.FAQs) != 2 || q.FAQ != "T001-A1" || q.Kind != "paraphrase-half1" {
		t.Fatalf("first question %+v", q)
	}
	if u := qs[2]; u.Answerable || u.Kind != "unrelated" || u.FAQ != "" {
		t.Fatalf("unrelated question %+v", u)
	}
	if _, err := Open("../testdata/eval/fixtures/faq-mini", OpenConfig{Extra: "no-such.jsonl"}); err == nil {
		t.Fatal("a missing extra file was accepted")
	}
}
