package pdf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/lorebase/lorebase/ingest"
)

// corpusDir holds real-world PDFs shared by the team (from pdfminer.six's samples, see its
// README). They are not copied into the repository.
const corpusDir = "../../../shared/data/pdfs"

func corpus(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("shared PDF corpus not found at %s (it lives outside the repository): %v", corpusDir, err)
	}
	return corpusDir
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpus(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func docText(doc *ingest.Document) string {
	var sb strings.Builder
	for _, b := range doc.Blocks {
		sb.WriteString(b.Text)
		sb.WriteByte('\n')
	}
	return sb.String()
}

var sentinels = []error{ErrTooLarge, ErrTooManyPages, ErrPasswordProtected, ErrNoText, ErrCorrupt, ErrUnsupported, ErrTimeout, ErrTooComplex}

// TestCorpusOutcomes pins what each shared file must produce: text a reader would recognise,
// or the typed error a knowledge manager should see.
func TestCorpusOutcomes(t *testing.T) {
	corpus(t)
	cases := []struct {
		file    string
		wantErr error
		want    []string // substrings of the extracted text
		pages   int
	}{
		{"dmca.pdf", nil, []string{"The Digital Millennium Copyright Act (DMCA)", "Phonograms Treaty"}, 18},
		{"f1040nr.pdf", nil, []string{"Nonresident Alien Income Tax Return"}, 5},
		{"issue-1113-evil-xobjects.pdf", nil, []string{"Hello world"}, 1},
		{"issue-625-identity-cmap.pdf", nil, []string{"Faktura nr FV 1/2021", "Łódź"}, 2},
		// Adobe-Japan1 CIDs with no ToUnicode: needs a CID→Unicode table we do not ship.
		{"jo.pdf", ErrUnsupported, nil, 0},
		{"kampo.pdf", nil, nil, 1},
		{"matplotlib.pdf", nil, []string{"0 2 4 6 8"}, 1},
		{"naacl06-shinyama.pdf", nil, []string{"Preemptive Information Extraction", "We are trying to extend the boundary of Information Extraction (IE) systems."}, 8},
		{"simple1.pdf", nil, []string{"Hello World"}, 1},
		{"zen_of_python_corrupted.pdf", nil, []string{"Beautiful is better than ugly.", "Namespaces are one honking great idea"}, 1},
		{"encryption/base.pdf", nil, []string{"Secret!"}, 1},
		{"encryption/rc4-40.pdf", ErrPasswordProtected, nil, 0},
		{"encryption/aes-128.pdf", ErrPasswordProtected, nil, 0},
		{"encryption/aes-256-r6.pdf", ErrPasswordProtected, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			doc, err := Extract(context.Background(), readCorpus(t, tc.file), Config{Timeout: time.Minute})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if doc.Pages != tc.pages {
				t.Errorf("Pages = %d, want %d", doc.Pages, tc.pages)
			}
			text := docText(doc)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			t.Logf("%d blocks, warnings %q", len(doc.Blocks), doc.Warnings)
		})
	}
}

// TestCorpusNeverPanics runs every file in the corpus, including any added later: each must
// end in a well-formed Document or one of the package's typed errors.
func TestCorpusNeverPanics(t *testing.T) {
	dir := corpus(t)
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(path), ".pdf") {
			files = append(files, path)
		}
		return nil
	})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Extract(context.Background(), data, Config{Timeout: time.Minute})
			if err != nil {
				typed := false
				for _, s := range sentinels {
					typed = typed || errors.Is(err, s)
				}
				if !typed {
					t.Fatalf("untyped error: %v", err)
				}
				t.Logf("error: %v", err)
				return
			}
			if doc.Pages < 1 || len(doc.Blocks) == 0 {
				t.Fatalf("empty document without error: %+v", doc)
			}
			for _, b := range doc.Blocks {
				if b.Page < 1 || b.Page > doc.Pages || strings.TrimSpace(b.Text) == "" {
					t.Fatalf("bad block %+v", b)
				}
			}
		})
	}
}

// TestEvilXObjects: X1 draws X0 which draws X1 again. Following Do naively recurses until the
// Go stack overflows, a fatal error no recover() catches. Poppler prints the text twice (once
// per form before the cycle closes); so must we, and finish.
func TestEvilXObjects(t *testing.T) {
	doc, err := Extract(context.Background(), readCorpus(t, "issue-1113-evil-xobjects.pdf"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(docText(doc), "Hello world"); got != 2 {
		t.Errorf("Hello world appears %d times, want 2:\n%s", got, docText(doc))
	}
	if !strings.Contains(strings.Join(doc.Warnings, "\n"), "self-referencing") {
		t.Errorf("warnings %q do not mention the cycle", doc.Warnings)
	}
}

// TestFormFanOutBomb: forms that each draw the next one twice, 40 levels deep (2^40 draws), no
// cycle at all. The depth limit and operator budget must stop it quickly.
func TestFormFanOutBomb(t *testing.T) {
	const levels = 40
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R /Resources << /XObject << /X 6 0 R >> >> >>",
		stream("/X Do"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	for i := range levels {
		next := len(objs) + 2 // object number of the next form
		body := "BT /F1 10 Tf 10 10 Td (boom) Tj ET /X Do /X Do"
		res := "/Font << /F1 5 0 R >> /XObject << /X " + itoa(next) + " 0 R >>"
		if i == levels-1 {
			body, res = "BT /F1 10 Tf 10 10 Td (end) Tj ET", "/Font << /F1 5 0 R >>"
		}
		objs = append(objs, "<< /Subtype /Form /BBox [0 0 300 300] /Resources << "+res+" >> /Length "+itoa(len(body))+" >>\nstream\n"+body+"\nendstream")
	}
	start := time.Now()
	doc, err := Extract(context.Background(), buildPDF(objs), Config{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(docText(doc), "boom") || len(doc.Warnings) == 0 {
		t.Errorf("want partial text and a warning, got %q / %q", docText(doc)[:min(80, len(docText(doc)))], doc.Warnings)
	}
	t.Logf("stopped after %s with warnings %q", time.Since(start), doc.Warnings)
}

// TestEmptyUserPassword: a file encrypted only to restrict permissions (empty user password,
// AES-256, generated here with pdfcpu) must open; one with a real user password must not.
func TestEmptyUserPassword(t *testing.T) {
	base := readCorpus(t, "encryption/base.pdf")
	for _, tc := range []struct {
		name    string
		userPW  string
		aes     bool
		keyLen  int
		wantErr error
	}{
		{"aes256 permissions only", "", true, 256, nil},
		{"aes128 permissions only", "", true, 128, nil},
		{"rc4 permissions only", "", false, 128, nil},
		{"aes256 user password", "usersecret", true, 256, ErrPasswordProtected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := pdfcpuConfig()
			conf.UserPW, conf.OwnerPW = tc.userPW, "owner-secret"
			conf.EncryptUsingAES, conf.EncryptKeyLength = tc.aes, tc.keyLen
			var enc bytes.Buffer
			if err := api.Encrypt(bytes.NewReader(base), &enc, conf); err != nil {
				t.Fatalf("encrypt: %v", err)
			}
			path := filepath.Join(t.TempDir(), "encrypted.pdf") // kept for inspection on failure
			os.WriteFile(path, enc.Bytes(), 0o600)
			doc, err := Extract(context.Background(), enc.Bytes(), Config{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !strings.Contains(docText(doc), "Secret!") {
				t.Errorf("text = %q, want Secret!", docText(doc))
			}
		})
	}
}

func TestLimits(t *testing.T) {
	data := readCorpus(t, "dmca.pdf") // 18 pages, 72 KB
	if _, err := Extract(context.Background(), data, Config{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: err = %v, want ErrTooLarge", err)
	}
	if _, err := Extract(context.Background(), data, Config{MaxPages: 5}); !errors.Is(err, ErrTooManyPages) {
		t.Errorf("MaxPages: err = %v, want ErrTooManyPages", err)
	}
	if _, err := Extract(context.Background(), data, Config{Timeout: time.Nanosecond}); !errors.Is(err, ErrTimeout) {
		t.Errorf("Timeout: err = %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Extract(ctx, data, Config{}); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}

func TestGarbage(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     {},
		"text":      []byte("hello, this is not a PDF"),
		"truncated": []byte("%PDF-1.4\n1 0 obj << /Type /Catalog"),
	} {
		if _, err := Extract(context.Background(), data, Config{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

// TestNoTextLayer: a page with drawing operators but no text is what a scan looks like.
func TestNoTextLayer(t *testing.T) {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R >>",
		stream("0 0 100 100 re f"),
	}
	if _, err := Extract(context.Background(), buildPDF(objs), Config{}); !errors.Is(err, ErrNoText) {
		t.Errorf("err = %v, want ErrNoText", err)
	}
}

func stream(body string) string {
	return "<< /Length " + itoa(len(body)) + " >>\nstream\n" + body + "\nendstream"
}

func itoa(n int) string { return strconv.Itoa(n) }

// buildPDF writes objs as objects 1..n with a correct xref table.
func buildPDF(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		b.WriteString(itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, off := range offsets {
		s := itoa(off)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

// TestNormalizedHeaders: ledongthuc refuses a PDF 2.0 header and bytes before "%PDF-"; pdfcpu
// rewrites such files first.
func TestNormalizedHeaders(t *testing.T) {
	base := readCorpus(t, "encryption/base.pdf")
	for name, data := range map[string][]byte{
		"pdf 2.0 header": append([]byte("%PDF-2.0"), base[len("%PDF-1.4"):]...),
		"leading junk":   append([]byte("HTTP/1.1 200 OK\r\n\r\n"), base...),
	} {
		doc, err := Extract(context.Background(), data, Config{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(docText(doc), "Secret!") {
			t.Errorf("%s: text = %q", name, docText(doc))
		}
	}
}
