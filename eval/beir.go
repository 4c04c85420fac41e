package eval

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

// beir reads the BEIR layout: corpus.jsonl ({"_id","title","text"}), queries.jsonl
// ({"_id","text"}) and qrels/<split>.tsv (query-id, corpus-id, score, with a header). Only
// the judgements are held in memory; corpus and queries are streamed.
type beir struct {
	dir, split string
}

func openBEIR(dir, split string) (*beir, error) {
	if split == "" {
		split = "test"
	}
	b := &beir{dir: dir, split: split}
	if !exists(b.qrelsPath()) {
		return nil, fmt.Errorf("%w: %s has no qrels/%s.tsv", lorebase.ErrInvalid, dir, split)
	}
	return b, nil
}

func (b *beir) Name() string      { return filepath.Base(filepath.Clean(b.dir)) }
func (b *beir) Format() string    { return FormatBEIR }
func (b *beir) qrelsPath() string { return filepath.Join(b.dir, "qrels", b.split+".tsv") }

type beirDoc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func (b *beir) Documents() iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		for d, err := range jsonLines[beirDoc](filepath.Join(b.dir, "corpus.jsonl")) {
			if err == nil && d.ID == "" {
				err = errors.New("document without _id")
			}
			doc := Document{ID: d.ID, Title: cmp.Or(d.Title, d.ID), Text: d.Text, FileType: pipeline.TypeText, FileName: d.ID + ".txt"}
			if err == nil && strings.TrimSpace(d.Text) == "" {
				doc.Text = d.Title
			}
			if !yield(doc, err) || err != nil {
				return
			}
		}
	}
}

func (b *beir) Questions() iter.Seq2[Question, error] {
	return func(yield func(Question, error) bool) {
		qrels, err := readQrels(b.qrelsPath())
		if err != nil {
			yield(Question{}, err)
			return
		}
		for q, err := range jsonLines[beirDoc](filepath.Join(b.dir, "queries.jsonl")) {
			if err != nil {
				yield(Question{}, err)
				return
			}
			rel, ok := qrels[q.ID]
			if !ok {
				continue // not judged in this split
			}
			if !yield(Question{ID: q.ID, Text: q.Text, Relevant: rel, Answerable: true}, nil) {
				return
			}
		}
	}
}

// readQrels maps query ids to the corpus ids judged relevant (score > 0).
func readQrels(path string) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || (line == 1 && fields[0] == "query-id") {
			continue
		}
		if len(fields) != 3 {
			return nil, formatError(path, line, fmt.Errorf("want query-id, corpus-id, score; got %d fields", len(fields)))
		}
		score, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, formatError(path, line, err)
		}
		if score > 0 {
			out[fields[0]] = append(out[fields[0]], fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, formatError(path, line, err)
	}
	return out, nil
}
