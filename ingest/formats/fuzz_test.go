package formats

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lorebase/lorebase/ingest"
)

// fuzzMaxInput keeps each input's work small; the extractors are linear, so bigger inputs
// only slow the fuzzer down.
const fuzzMaxInput = 64 << 10

// seedFiles adds the project's real text fixtures (testdata/eval) and any matching files in
// testdata/ of this package.
func seedFiles(f *testing.F, exts ...string) {
	for _, dir := range []string{"../../testdata/eval", "testdata"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			for _, ext := range exts {
				if !e.IsDir() && strings.HasSuffix(e.Name(), ext) {
					data, err := os.ReadFile(filepath.Join(dir, e.Name()))
					if err != nil {
						f.Fatal(err)
					}
					f.Add(data)
				}
			}
		}
	}
}

// seedEncodings adds s as UTF-8 with a BOM, UTF-16 LE and BE with BOMs, and Windows-1252.
func seedEncodings(f *testing.F, s string) {
	f.Add([]byte(s))
	f.Add(append([]byte{0xEF, 0xBB, 0xBF}, s...))
	le, be := []byte{0xFF, 0xFE}, []byte{0xFE, 0xFF}
	for _, r := range s {
		if r > 0xFFFF {
			r = '?'
		}
		le = append(le, byte(r), byte(r>>8))
		be = append(be, byte(r>>8), byte(r))
	}
	f.Add(le)
	f.Add(be)
	f.Add([]byte(strings.NewReplacer("é", "\xe9", "€", "\x80", "’", "\x92").Replace(s)))
}

// checkExtract is the contract every extractor keeps for any input: no panic; an error is one
// of the package's kinds; a document has body text, no empty blocks, valid UTF-8 throughout,
// and heading levels in 1..6.
func checkExtract(t *testing.T, name string, extract func([]byte) (*ingest.Document, error), data []byte) {
	t.Helper()
	doc, err := extractBounded(t, name, extract, data)
	if err != nil {
		if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotText) && !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: untyped error %T: %v", name, err, err)
		}
		var se *SyntaxError
		if errors.As(err, &se) && (se.Line < 1 || se.Column < 1 || se.Offset < 0) {
			t.Fatalf("%s: syntax error without a position: %+v", name, se)
		}
		if doc != nil {
			t.Fatalf("%s: both a document and an error", name)
		}
		return
	}
	if doc == nil {
		t.Fatalf("%s: nil document without error", name)
	}
	body := false
	for _, b := range doc.Blocks {
		if strings.TrimSpace(b.Text) == "" {
			t.Fatalf("%s: empty block %+v", name, b)
		}
		if !utf8.ValidString(b.Text) {
			t.Fatalf("%s: invalid UTF-8 in block %q", name, b.Text)
		}
		if b.Kind == ingest.BlockHeading {
			if b.Level < 1 || b.Level > 6 {
				t.Fatalf("%s: heading level %d", name, b.Level)
			}
		} else {
			body = true
		}
	}
	if !body {
		t.Fatalf("%s: document without body text and without ErrEmpty: %+v", name, doc.Blocks)
	}
	if !utf8.ValidString(doc.Title) {
		t.Fatalf("%s: invalid UTF-8 title %q", name, doc.Title)
	}
}

// fuzzDeadline is far above what any input up to fuzzMaxInput needs (well under a
// millisecond); Go's fuzzer has no per-input timeout, so without it a hang just stalls the
// run ("0/sec") and is never reported.
const fuzzDeadline = 10 * time.Second

// extractBounded fails the input when extraction does not finish within fuzzDeadline.
func extractBounded(t *testing.T, name string, extract func([]byte) (*ingest.Document, error), data []byte) (*ingest.Document, error) {
	t.Helper()
	type result struct {
		doc *ingest.Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := extract(data)
		done <- result{doc, err}
	}()
	select {
	case r := <-done:
		return r.doc, r.err
	case <-time.After(fuzzDeadline):
		t.Fatalf("%s did not finish within %s on %d bytes: %q", name, fuzzDeadline, len(data), data[:min(len(data), 200)])
		return nil, nil
	}
}

func FuzzText(f *testing.F) {
	seedFiles(f, ".txt")
	seedEncodings(f, "Café menu\n\nThe espresso costs 2 €.\r\nIt’s served hot.\n\n\n   \tIndented line")
	f.Add([]byte("a\x00b"))
	f.Add([]byte("\x01\x02\x03\x04 text"))
	f.Add([]byte{0xFF, 0xFE, 'a'})
	f.Add([]byte(strings.Repeat("word ", 3000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkExtract(t, "Text", Text, data)
	})
}

func FuzzMarkdown(f *testing.F) {
	seedFiles(f, ".md")
	seedEncodings(f, "---\ntitle: Café\n---\n# Title\n\nIntro *émphasis* and `code`.\n\n## Part\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```go\nfunc main() {}\n```\n\n> quote\n\nSetext\n======\n\n<div>html</div>\n[link](http://x.test) ![img](y.png)\n")
	f.Add([]byte("# only a heading"))
	f.Add([]byte("```\nunterminated fence"))
	f.Add([]byte(strings.Repeat(">", 500) + " deep quote"))
	f.Add([]byte(strings.Repeat("- ", 300) + "deep list"))
	f.Add([]byte(strings.Repeat("[", 2000) + "x" + strings.Repeat("]", 2000)))
	f.Add([]byte("|a|\n|-|\n" + strings.Repeat("|x", 500) + "|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkExtract(t, "Markdown", Markdown, data)
	})
}

func FuzzCSV(f *testing.F) {
	seedFiles(f, ".csv")
	seedEncodings(f, "name,price,note\nCafé,2.50,\"hot, strong\"\nTea,1.80,\"said \"\"yes\"\"\"\n")
	f.Add([]byte("a;b;c\n1;2;3\n4;5\n"))
	f.Add([]byte("a\tb\n1\t2\n"))
	f.Add([]byte("only,a,header\n"))
	f.Add([]byte("a,\"unterminated\n1,2\n"))
	f.Add([]byte("x\n" + strings.Repeat("1\n", 2000)))
	f.Add([]byte("\"a\"b,c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkExtract(t, "CSV", CSV, data)
	})
}

func FuzzJSON(f *testing.F) {
	seedFiles(f, ".json", ".jsonl")
	seedEncodings(f, `{"name":"Café","price":2.5,"tags":["hot","strong"],"nested":{"a":{"b":[1,2,{"c":null}]}},"ok":true}`)
	f.Add([]byte(`[{"id":1,"q":"Do you ship?","a":"Yes"},{"id":2,"q":"Returns?","a":"30 days"}]`))
	f.Add([]byte("{\"a\":1}\n{\"a\":2}\n"))
	f.Add([]byte(`{"a":`))
	f.Add([]byte(`"just a string"`))
	f.Add([]byte(`1e400`))
	f.Add([]byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)))
	f.Add([]byte(strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkExtract(t, "JSON", JSON, data)
	})
}

func FuzzSVG(f *testing.F) {
	seedFiles(f, ".svg")
	seedEncodings(f, `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><title>Café</title><script>alert(1)</script><text>Prix <tspan>2 €</tspan></text></svg>`)
	f.Add([]byte(`<svg><text>unterminated`))
	f.Add([]byte(`<svg>` + strings.Repeat("<g>", 2000) + `<text>deep</text></svg>`))
	f.Add([]byte(`<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg><text>&b;&b;</text></svg>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkExtract(t, "SVG", SVG, data)
	})
}
