package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/lorebase/lorebase/textkit"
)

// squad reads SQuAD v1.1 JSON: every paragraph becomes a document (id "<title>#<n>"), every
// question is answered by the paragraph that holds it, and its answers are the gold answers.
// The file is decoded one article at a time.
type squad struct {
	path, language string
}

var languageInName = regexp.MustCompile(`[._-]([a-z]{2})\.json$`)

func openSQuAD(path, language string) (*squad, error) {
	s := &squad{path: path, language: normalizeLanguage(language)}
	if s.language == "" {
		if m := languageInName.FindStringSubmatch(filepath.Base(path)); m != nil {
			s.language = m[1]
		}
	}
	if s.language == "" {
		for a, err := range s.articles() {
			if err != nil {
				return nil, err
			}
			if len(a.Paragraphs) > 0 {
				s.language = textkit.DetectLanguage(a.Paragraphs[0].Context)
			}
			break
		}
	}
	return s, nil
}

func (s *squad) Name() string {
	return strings.TrimSuffix(filepath.Base(s.path), filepath.Ext(s.path))
}
func (s *squad) Format() string { return FormatSQuAD }

type squadArticle struct {
	Title      string `json:"title"`
	Paragraphs []struct {
		Context string `json:"context"`
		QAs     []struct {
			ID       string `json:"id"`
			Question string `json:"question"`
			Answers  []struct {
				Text string `json:"text"`
			} `json:"answers"`
		} `json:"qas"`
	} `json:"paragraphs"`
}

func paragraphID(title string, n int) string { return title + "#" + strconv.Itoa(n) }

func (s *squad) Documents() iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		for a, err := range s.articles() {
			if err != nil {
				yield(Document{}, err)
				return
			}
			for n, p := range a.Paragraphs {
				id := paragraphID(a.Title, n)
				if !yield(Document{ID: id, Title: id, Text: p.Context, FileType: "text", FileName: id + ".txt"}, nil) {
					return
				}
			}
		}
	}
}

func (s *squad) Questions() iter.Seq2[Question, error] {
	return func(yield func(Question, error) bool) {
		for a, err := range s.articles() {
			if err != nil {
				yield(Question{}, err)
				return
			}
			for n, p := range a.Paragraphs {
				for _, qa := range p.QAs {
					q := Question{ID: qa.ID, Text: qa.Question, Language: s.language, Relevant: []string{paragraphID(a.Title, n)}, Answerable: true}
					for _, ans := range qa.Answers {
						q.Answers = append(q.Answers, ans.Text)
					}
					if !yield(q, nil) {
						return
					}
				}
			}
		}
	}
}

// articles walks {"data": [article, ...], ...} decoding one article at a time.
func (s *squad) articles() iter.Seq2[squadArticle, error] {
	return func(yield func(squadArticle, error) bool) {
		f, err := os.Open(s.path)
		if err != nil {
			yield(squadArticle{}, err)
			return
		}
		defer f.Close()
		fail := func(err error) { yield(squadArticle{}, fmt.Errorf("%w: %s: %v", ErrFormat, s.path, err)) }
		dec := json.NewDecoder(f)
		if err := expectDelim(dec, '{'); err != nil {
			fail(err)
			return
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				fail(err)
				return
			}
			if key, _ := tok.(string); key != "data" {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					fail(err)
					return
				}
				continue
			}
			if err := expectDelim(dec, '['); err != nil {
				fail(err)
				return
			}
			for dec.More() {
				var a squadArticle
				if err := dec.Decode(&a); err != nil {
					fail(err)
					return
				}
				if !yield(a, nil) {
					return
				}
			}
			if _, err := dec.Token(); err != nil { // ]
				fail(err)
				return
			}
		}
	}
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}
