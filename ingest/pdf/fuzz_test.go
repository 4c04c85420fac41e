package pdf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
)

// fuzzConfig bounds each input: a hostile one must end within Timeout with a typed error.
var fuzzConfig = Config{Timeout: 2 * time.Second, MaxBytes: 4 << 20, MaxPages: 200}

// fuzzSeedMax is the largest corpus file used as a seed.
const fuzzSeedMax = 100 << 10

// FuzzExtract feeds mutated PDFs to Extract: no input may crash the process (a Go stack
// overflow or out-of-memory is fatal, unlike a panic), take longer than the Timeout, return an
// untyped error, or return a document with empty blocks, blocks outside its pages or invalid
// UTF-8. Seeds are the shared corpus (when present, never copied into the repository), PDFs
// built here, and small hand-written structures.
func FuzzExtract(f *testing.F) {
	if _, err := os.Stat(corpusDir); err == nil {
		filepath.WalkDir(corpusDir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(strings.ToLower(path), ".pdf") {
				return nil
			}
			// Big seeds make every execution and every minimization slow; the small files
			// cover the same code paths.
			if data, err := os.ReadFile(path); err == nil && len(data) <= fuzzSeedMax {
				f.Add(data)
			}
			return nil
		})
	}
	f.Add(pdftest.Build("Seed", []pdftest.Page{{Heading: "Returns", Lines: []string{"Return any item within 30 days.", "Refunds take five days."}}}))
	f.Add(pdftest.Build("Two pages", []pdftest.Page{
		{Heading: "One", Lines: []string{"First page text with a hyphen-", "ated word."}},
		{Lines: []string{"Second page (with parentheses) and \\backslash."}},
	}))
	f.Add(pdftest.Build("", []pdftest.Page{{Lines: []string{""}}}))
	f.Add(buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >> >>",
		stream("BT /F1 10 Tf 10 10 Td [(He) -250 (llo)] TJ T* (x) ' 1 2 (y) \" ET /X Do"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 7 0 R >>",
		"<< /Subtype /Form /BBox [0 0 9 9] /Length 5 >>\nstream\n/X Do\nendstream",
		stream("/CIDInit /ProcSet findresource begin begincmap 1 beginbfchar <48> <0041> endbfchar 1 beginbfrange <61> <7A> <0061> endbfrange endcmap"),
	}))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog"))
	f.Add([]byte("%PDF-2.0\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		doc, err := Extract(context.Background(), data, fuzzConfig)
		if took := time.Since(start); took > fuzzConfig.Timeout+3*time.Second {
			t.Fatalf("Extract took %s with a Timeout of %s", took, fuzzConfig.Timeout)
		}
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("untyped error: %v", err)
		}
		if doc == nil || doc.Pages < 1 || doc.Pages > fuzzConfig.MaxPages {
			t.Fatalf("document without error: %+v", doc)
		}
		if !utf8.ValidString(doc.Title) {
			t.Fatalf("invalid UTF-8 title %q", doc.Title)
		}
		for _, b := range doc.Blocks {
			if strings.TrimSpace(b.Text) == "" || !utf8.ValidString(b.Text) || b.Page < 1 || b.Page > doc.Pages {
				t.Fatalf("bad block %+v of %d pages", b, doc.Pages)
			}
		}
	})
}
