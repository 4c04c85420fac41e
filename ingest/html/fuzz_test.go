package html

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtract checks that no input panics and that output invariants hold: UTF-8 text, no
// empty blocks, collapsed whitespace outside code, only absolute http(s) links.
func FuzzExtract(f *testing.F) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, fx.contentType)
	}
	f.Add([]byte("<table><tr><td><table><tr><td>x"), "text/html")
	f.Add([]byte("<ul><li><ul><li><ol><li>deep"), "")
	base := mustURL(f, "https://fuzz.test/a/b")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		p, err := Extract(bytes.NewReader(data), contentType, base)
		if err != nil {
			return
		}
		for _, b := range p.Document.Blocks {
			if b.Text == "" {
				t.Fatalf("empty block %+v", b)
			}
			if !utf8.ValidString(b.Text) {
				t.Fatalf("invalid UTF-8 in %+v", b)
			}
			if b.Kind == "paragraph" && b.Text != strings.Join(strings.Fields(b.Text), " ") {
				t.Fatalf("paragraph not collapsed: %q", b.Text)
			}
		}
		for _, l := range p.Links {
			if (l.Scheme != "http" && l.Scheme != "https") || l.Host == "" || l.Fragment != "" {
				t.Fatalf("bad link %v", l)
			}
		}
	})
}
