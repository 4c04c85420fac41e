package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// xquadDir is where the shared XQuAD copy lives relative to this package; tests skip without it.
const xquadDir = "../../../shared/data/xquad"

type xquadQuestion struct {
	Text      string
	Paragraph int // index into xquadSet.Paragraphs
	Answers   []string
}

type xquadSet struct {
	Paragraphs []string
	Questions  []xquadQuestion
}

// loadXQuAD reads one language of XQuAD or skips the test when the data is absent.
func loadXQuAD(t testing.TB, lang string) xquadSet {
	t.Helper()
	set, err := readXQuAD(lang)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("XQuAD not available at %s", xquadDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// readXQuAD parses xquad.<lang>.json (SQuAD v1.1 format).
func readXQuAD(lang string) (xquadSet, error) {
	raw, err := os.ReadFile(filepath.Join(xquadDir, "xquad."+lang+".json"))
	if err != nil {
		return xquadSet{}, err
	}
	var doc struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Question string `json:"question"`
					Answers  []struct {
						Text string `json:"text"`
					} `json:"answers"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return xquadSet{}, fmt.Errorf("parse xquad.%s.json: %w", lang, err)
	}
	var set xquadSet
	for _, a := range doc.Data {
		for _, p := range a.Paragraphs {
			set.Paragraphs = append(set.Paragraphs, p.Context)
			for _, qa := range p.QAs {
				q := xquadQuestion{Text: qa.Question, Paragraph: len(set.Paragraphs) - 1}
				for _, ans := range qa.Answers {
					q.Answers = append(q.Answers, ans.Text)
				}
				set.Questions = append(set.Questions, q)
			}
		}
	}
	return set, nil
}
