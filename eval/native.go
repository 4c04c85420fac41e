package eval

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/lorebase/lorebase/textkit"
)

// native reads the project's own question sets (testdata/eval/<set>/):
//
//	questions.jsonl  {"id","question","answers":[...],"sources":[...],"answerable":bool,
//	                  "language","kind","faq","history":[{"role","content"}]}
//	knowledge/       files of any type the pipeline reads; a file's id is its path below knowledge/
//	faq.jsonl        curated pairs {"id","question","answer"}; a pair's id is "faq/<id>"
//
// answerable defaults to true when the question names sources or answers.
type native struct {
	dir string
}

func openNative(dir string) (*native, error) {
	if !exists(filepath.Join(dir, "questions.jsonl")) {
		return nil, fmt.Errorf("%s: no questions.jsonl", dir)
	}
	return &native{dir: dir}, nil
}

func (n *native) Name() string   { return filepath.Base(filepath.Clean(n.dir)) }
func (n *native) Format() string { return FormatNative }

type nativeFAQ struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Language string `json:"language"`
}

type nativeQuestion struct {
	ID         string   `json:"id"`
	Question   string   `json:"question"`
	Answers    []string `json:"answers"`
	Sources    []string `json:"sources"`
	Answerable *bool    `json:"answerable"`
	Language   string   `json:"language"`
	Kind       string   `json:"kind"`
	FAQ        string   `json:"faq"`
	History    []Turn   `json:"history"`
}

// FAQPrefix starts the document id of a curated pair.
const FAQPrefix = "faq/"

func (n *native) Documents() iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		root := filepath.Join(n.dir, "knowledge")
		stop := errors.New("stop")
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && path == root {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			id := filepath.ToSlash(rel)
			if !yield(Document{ID: id, Title: id, Data: data, FileName: d.Name()}, nil) {
				return stop
			}
			return nil
		})
		if err == stop {
			return
		}
		if err != nil {
			yield(Document{}, err)
			return
		}
		faqPath := filepath.Join(n.dir, "faq.jsonl")
		if !exists(faqPath) {
			return
		}
		for f, err := range jsonLines[nativeFAQ](faqPath) {
			if err == nil && (f.ID == "" || f.Question == "" || f.Answer == "") {
				err = fmt.Errorf("%w: %s: pair %q needs id, question and answer", ErrFormat, faqPath, f.ID)
			}
			if err != nil {
				yield(Document{}, err)
				return
			}
			if !yield(Document{ID: FAQPrefix + f.ID, Title: f.Question, Question: f.Question, Answer: f.Answer, Language: f.Language}, nil) {
				return
			}
		}
	}
}

func (n *native) Questions() iter.Seq2[Question, error] {
	return func(yield func(Question, error) bool) {
		path := filepath.Join(n.dir, "questions.jsonl")
		for q, err := range jsonLines[nativeQuestion](path) {
			if err == nil && (q.ID == "" || q.Question == "") {
				err = fmt.Errorf("%w: %s: question %q needs id and question", ErrFormat, path, q.ID)
			}
			if err != nil {
				yield(Question{}, err)
				return
			}
			out := Question{ID: q.ID, Text: q.Question, Answers: q.Answers, Relevant: q.Sources, FAQ: q.FAQ, Kind: q.Kind, History: q.History,
				Language: normalizeLanguage(cmp.Or(q.Language, textkit.DetectLanguage(q.Question), "en"))}
			out.Answerable = len(q.Answers) > 0 || len(q.Sources) > 0
			if q.Answerable != nil {
				out.Answerable = *q.Answerable
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}
