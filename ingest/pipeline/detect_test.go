package pipeline

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lorebase/lorebase"
)

func TestDetectType(t *testing.T) {
	t.Parallel()
	pdfBytes := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
	binary := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 100)...)
	text := []byte("Opening hours: 9 to 5.\n")
	tests := []struct {
		name, declared, file string
		data                 []byte
		want                 string // "" when refused as unsupported
	}{
		{"declared wins over the name", "markdown", "notes.txt", text, TypeMarkdown},
		{"declared is case- and space-insensitive", " HTML ", "", []byte("<p>x</p>"), TypeHTML},
		{"declared media type", "application/json", "", []byte(`{"a":1}`), TypeJSON},
		{"extension when nothing is declared", "", "table.CSV", []byte("a,b\n1,2\n"), TypeCSV},
		{"PDF bytes without a name", "", "", pdfBytes, TypePDF},
		{"PDF bytes under a misleading extension-less name", "", "report", pdfBytes, TypePDF},
		{"unknown extension, readable text", "", "notes.xyz", text, TypeText},
		{"no name, readable text", "", "", text, TypeText},
		{"declared PDF that is not one", "pdf", "a.pdf", text, ""},
		{"PDF extension on text", "", "a.pdf", text, ""},
		{"binary declared as text", "text", "", binary, ""},
		{"binary under a text extension", "", "a.md", binary, ""},
		{"unknown binary", "", "archive.zip", binary, ""},
		{"valid UTF-8 with NUL bytes is binary", "", "dump.txt", []byte("abc\x00\x00def\x00"), ""},
		{"unsupported declared type", "docx", "a.docx", text, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DetectType(tc.declared, tc.file, tc.data)
			if tc.want == "" {
				if !errors.Is(err, lorebase.ErrUnsupported) {
					t.Fatalf("DetectType(%q, %q) = %q, %v; want ErrUnsupported", tc.declared, tc.file, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DetectType(%q, %q) = %q, %v; want %q", tc.declared, tc.file, got, err, tc.want)
			}
		})
	}
}
