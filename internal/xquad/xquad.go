// Package xquad loads the XQuAD parallel question-answering set (SQuAD v1.1 format, one file
// per language) from the shared data folder beside the repository, for quality tests. Tests
// skip when the data is absent: it is never copied into the repository.
package xquad

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Question is one XQuAD question with its gold answers.
type Question struct {
	Text      string
	Paragraph int // index into Set.Paragraphs
	Answers   []string
}

// Set is one language of XQuAD.
type Set struct {
	Paragraphs []string
	Questions  []Question
}

// Dir returns the folder that holds xquad.<lang>.json: $LOREBASE_XQUAD_DIR when set, else
// ../shared/data/xquad next to the module root (found by walking up to go.mod).
func Dir() string {
	if d := os.Getenv("LOREBASE_XQUAD_DIR"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "xquad")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads one language of XQuAD, or skips the test when the data is absent.
func Load(t testing.TB, lang string) Set {
	t.Helper()
	set, err := Read(lang)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("XQuAD not available at %s", Dir())
	}
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Read parses xquad.<lang>.json.
func Read(lang string) (Set, error) {
	raw, err := os.ReadFile(filepath.Join(Dir(), "xquad."+lang+".json"))
	if err != nil {
		return Set{}, err
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
		return Set{}, fmt.Errorf("parse xquad.%s.json: %w", lang, err)
	}
	var set Set
	for _, a := range doc.Data {
		for _, p := range a.Paragraphs {
			set.Paragraphs = append(set.Paragraphs, p.Context)
			for _, qa := range p.QAs {
				q := Question{Text: qa.Question, Paragraph: len(set.Paragraphs) - 1}
				for _, ans := range qa.Answers {
					q.Answers = append(q.Answers, ans.Text)
				}
				set.Questions = append(set.Questions, q)
			}
		}
	}
	return set, nil
}
