package eval

import (
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lorebase/lorebase"
)

// Formats a data set may come in.
const (
	FormatBEIR   = "beir"
	FormatSQuAD  = "squad"
	FormatNative = "native"
	FormatFAQ    = "faq"
)

// Document is one entry of a corpus; it becomes one knowledge item.
type Document struct {
	ID       string // what relevance judgements name
	Title    string
	Text     string // the text of a text document
	Data     []byte // the bytes of a binary file (PDF); Text is then empty
	FileType string // a pipeline type name (text, markdown, pdf, html, ...); empty: from the name
	FileName string
	Question string // set for a curated Q&A pair, with Answer
	Answer   string
	Language string // empty: detected by the worker, as for an API upload without language
}

// IsQA tells a curated Q&A pair from a file.
func (d Document) IsQA() bool { return d.Question != "" }

// Turn is an earlier message of the conversation a question belongs to.
type Turn struct {
	Role    string `json:"role"` // user or assistant
	Content string `json:"content"`
}

// Question is one question with what a good reply looks like.
type Question struct {
	ID         string
	Text       string
	Language   string
	Answers    []string // gold answers; empty: not scored on text
	Relevant   []string // ids of the documents that answer it
	Answerable bool     // false: the right reply is to abstain
	FAQ        string   // id of the curated pair that should answer it, if any
	FAQs       []string // further pairs that answer it as well (an FAQ set's thread)
	Kind       string   // free label (paraphrase, multi-hop, follow-up, ...)
	History    []Turn
}

// Dataset streams a corpus and its questions; each call starts over, so a 100k-document corpus
// is never held in memory.
type Dataset interface {
	Name() string
	Format() string
	Documents() iter.Seq2[Document, error]
	Questions() iter.Seq2[Question, error]
}

// OpenConfig tells Open how to read a path.
type OpenConfig struct {
	Format   string // empty: detected from the layout
	Split    string // BEIR qrels split; default test
	Language string // language of a SQuAD file; empty: from the name (xquad.de.json), else detected
	// Extra is a native questions.jsonl whose questions are asked after the set's own, such as
	// unrelated questions a curated pair must not answer; answerable defaults to false there
	// unless a question names sources or answers.
	Extra string
}

// Open reads a data set: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/), a native folder
// (questions.jsonl next to knowledge/ and faq.jsonl), or a SQuAD v1.1 JSON file.
func Open(path string, cfg OpenConfig) (Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	format := cfg.Format
	if format == "" {
		switch {
		case !st.IsDir():
			format = FormatSQuAD
		case exists(filepath.Join(path, "corpus.jsonl")) || exists(filepath.Join(path, "corpus.jsonl.gz")):
			format = FormatBEIR
		case exists(filepath.Join(path, "questions.jsonl")):
			format = FormatNative
		case exists(filepath.Join(path, "queries.jsonl")) && exists(filepath.Join(path, "faq.jsonl")):
			format = FormatFAQ
		default:
			return nil, fmt.Errorf("%w: %s is neither a BEIR folder (corpus.jsonl), a question set (questions.jsonl) nor an FAQ set (faq.jsonl, queries.jsonl)", lorebase.ErrInvalid, path)
		}
	}
	var ds Dataset
	switch format {
	case FormatBEIR:
		ds, err = openBEIR(path, cfg.Split)
	case FormatSQuAD:
		ds, err = openSQuAD(path, cfg.Language)
	case FormatNative:
		ds, err = openNative(path)
	case FormatFAQ:
		ds, err = openFAQ(path)
	default:
		return nil, fmt.Errorf("%w: format %q (use beir, squad, native or faq)", lorebase.ErrInvalid, format)
	}
	if err != nil || cfg.Extra == "" {
		return ds, err
	}
	if !exists(cfg.Extra) {
		return nil, fmt.Errorf("%w: extra questions %s: no such file", lorebase.ErrInvalid, cfg.Extra)
	}
	return withExtra{Dataset: ds, path: cfg.Extra}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Sample keeps n questions chosen uniformly with the seed (reservoir sampling, one pass), in
// their original order; n <= 0 keeps them all.
func Sample(questions iter.Seq2[Question, error], n int, seed uint64) ([]Question, error) {
	type kept struct {
		at int
		q  Question
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []kept
	i := 0
	for q, err := range questions {
		if err != nil {
			return nil, err
		}
		switch {
		case n <= 0 || len(out) < n:
			out = append(out, kept{i, q})
		default:
			if j := rng.IntN(i + 1); j < n {
				out[j] = kept{i, q}
			}
		}
		i++
	}
	// Back to file order, so reports list questions as the set does.
	slices.SortFunc(out, func(a, b kept) int { return a.at - b.at })
	qs := make([]Question, len(out))
	for j, k := range out {
		qs[j] = k.q
	}
	return qs, nil
}

// ErrFormat reports malformed input with its place.
var ErrFormat = errors.New("malformed data set")

func formatError(file string, line int, err error) error {
	return fmt.Errorf("%w: %s:%d: %v", ErrFormat, file, line, err)
}

func normalizeLanguage(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	l, _, _ = strings.Cut(l, "-")
	l, _, _ = strings.Cut(l, "_")
	return l
}
