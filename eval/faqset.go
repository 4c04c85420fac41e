package eval

import (
	"fmt"
	"iter"
	"path/filepath"

	"github.com/lorebase/lorebase/textkit"
)

// faqSet reads an FAQ-retrieval set in the layout of ../shared/data/faq-dev (StackFAQ):
//
//	faq.jsonl      curated pairs {"id","question","answer"}; a pair's document id is its id
//	queries.jsonl  {"id","query","faq_ids":[...],"thread","half"}: a user's paraphrase and
//	               every pair that answers it
//
// Every query should be answered from one of its pairs; its relevant documents are those pairs.
type faqSet struct {
	dir string
}

func openFAQ(dir string) (*faqSet, error) {
	for _, f := range []string{"faq.jsonl", "queries.jsonl"} {
		if !exists(filepath.Join(dir, f)) {
			return nil, fmt.Errorf("%s: no %s", dir, f)
		}
	}
	return &faqSet{dir: dir}, nil
}

func (s *faqSet) Name() string   { return filepath.Base(filepath.Clean(s.dir)) }
func (s *faqSet) Format() string { return FormatFAQ }

type faqQuery struct {
	ID     string   `json:"id"`
	Query  string   `json:"query"`
	FAQIDs []string `json:"faq_ids"`
	Thread string   `json:"thread"`
	Half   int      `json:"half"`
}

func (s *faqSet) Documents() iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		path := filepath.Join(s.dir, "faq.jsonl")
		for f, err := range jsonLines[nativeFAQ](path) {
			if err == nil && (f.ID == "" || f.Question == "" || f.Answer == "") {
				err = fmt.Errorf("%w: %s: pair %q needs id, question and answer", ErrFormat, path, f.ID)
			}
			if err != nil {
				yield(Document{}, err)
				return
			}
			if !yield(Document{ID: f.ID, Title: f.Question, Question: f.Question, Answer: f.Answer, Language: f.Language}, nil) {
				return
			}
		}
	}
}

func (s *faqSet) Questions() iter.Seq2[Question, error] {
	return func(yield func(Question, error) bool) {
		path := filepath.Join(s.dir, "queries.jsonl")
		for q, err := range jsonLines[faqQuery](path) {
			if err == nil && (q.ID == "" || q.Query == "" || len(q.FAQIDs) == 0) {
				err = fmt.Errorf("%w: %s: query %q needs id, query and faq_ids", ErrFormat, path, q.ID)
			}
			if err != nil {
				yield(Question{}, err)
				return
			}
			kind := "paraphrase"
			if q.Half > 0 {
				kind = fmt.Sprintf("paraphrase-half%d", q.Half)
			}
			out := Question{ID: q.ID, Text: q.Query, Relevant: q.FAQIDs, FAQ: q.FAQIDs[0], FAQs: q.FAQIDs, Answerable: true, Kind: kind,
				Language: normalizeLanguage(cmpOr(textkit.DetectLanguage(q.Query), "en"))}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// withExtra asks the questions of a native questions.jsonl file after a set's own: questions
// the set's knowledge does not answer, say, to measure how often a curated pair answers one
// wrongly.
type withExtra struct {
	Dataset
	path string
}

func (w withExtra) Questions() iter.Seq2[Question, error] {
	return func(yield func(Question, error) bool) {
		for q, err := range w.Dataset.Questions() {
			if !yield(q, err) || err != nil {
				return
			}
		}
		for q, err := range nativeQuestions(w.path) {
			if !yield(q, err) || err != nil {
				return
			}
		}
	}
}
