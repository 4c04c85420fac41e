package pdf

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The wider PDF set: real documents from Debian documentation packages, which
// scripts/setup.sh installs (texlive-latex-recommended-doc, which brings texlive-base's own
// manuals; dblatex-doc; latex2rtf-doc; htmldoc with python3.11-doc for generated reports).
// Nobody here wrote or tuned them. Each file is compared with poppler's pdftotext by token F1
// (tokenF1) and must stay above its floor; the mean must stay above debianMeanFloor. Files
// whose package is absent are skipped; the test skips when none is present.
//
// Floors are the F1 measured when the set was chosen, minus 0.03, so that a regression in any
// one kind of document fails the test while noise does not.

const debianDocs = "/usr/share/doc/"

// debianMeanFloor is the target for the mean over the set.
const debianMeanFloor = 0.95

type debianDoc struct {
	path  string // under /usr/share/doc, or "htmldoc:" + a generation recipe
	kind  string
	floor float64
}

var debianSet = []debianDoc{
	// Slide decks.
	{"texlive-doc/latex/beamer/beamerexample-conference-talk.pdf", "beamer slides", 0.93},
	{"texlive-doc/latex/beamer/beamerexample-lecture-beamer-version.pdf", "beamer lecture slides", 0.96},
	{"texlive-doc/dvipdfmx/tug2003-slides.pdf", "slides (non-embedded Helvetica)", 0.94},
	{"texlive-doc/dvipdfmx/tug2005.pdf", "slides (1024×768)", 0.90},
	{"texlive-doc/latex/seminar/semsamp1.pdf", "seminar slides", 0.88},
	// Compressed LaTeX lecture notes (object and xref streams).
	{"texlive-doc/latex/beamer/beamerexample-lecture-print-version.pdf", "lecture notes", 0.96},
	// One-column LaTeX manuals.
	{"texlive-doc/latex/booktabs/booktabs.pdf", "LaTeX manual", 0.95},
	{"texlive-doc/latex/caption/caption.pdf", "LaTeX manual", 0.95},
	{"texlive-doc/latex/microtype/microtype.pdf", "LaTeX manual (margin notes, tables)", 0.94},
	{"texlive-doc/latex/listings/listings.pdf", "LaTeX manual (code listings)", 0.89},
	// Poppler breaks this manual's code listings (characters set in fixed columns) into single
	// letters, "f i l e h o o k @ n e w", where the extraction keeps "filehook@new": most of
	// the F1 gap is the reference's, not lost text.
	{"texlive-doc/latex/filehook/filehook.pdf", "LaTeX manual (dtx)", 0.70},
	{"texlive-doc/texlive/texlive-en/texlive-en.pdf", "LaTeX manual (TeX Live guide)", 0.96},
	// Two columns.
	{"texlive-doc/dvipdfmx/dvipdfmx-special.pdf", "two-column paper (TUGboat)", 0.95},
	// Forms (AcroForm fields).
	{"texlive-doc/latex/pdfmanagement-testphase/l3pdffield-textfield.pdf", "form fields", 0.94},
	{"texlive-doc/latex/pdfmanagement-testphase/l3pdffield-checkbox.pdf", "form fields", 0.94},
	// Generated reports and manuals.
	{"texlive-doc/kpathsea/kpathsea.pdf", "Texinfo manual", 0.96},
	{"texlive-doc/web2c/web2c.pdf", "Texinfo manual", 0.96},
	{"latex2rtf-doc/latex2rtf.pdf.gz", "Texinfo manual", 0.96},
	{"dblatex/manual.pdf.gz", "DocBook report (dblatex)", 0.95},
	{"htmldoc:book:python3.11/html/tutorial/introduction.html,controlflow.html,datastructures.html,errors.html,classes.html", "htmldoc book", 0.95},
	{"htmldoc:webpage:python3.11/html/library/argparse.html", "htmldoc report", 0.94},
}

// debianDocPDF returns the file's bytes and a path pdftotext can read, or ok=false when the
// package (or htmldoc) is missing.
func debianDocPDF(t *testing.T, d debianDoc) (data []byte, path string, ok bool) {
	t.Helper()
	if recipe, found := strings.CutPrefix(d.path, "htmldoc:"); found {
		bin, err := exec.LookPath("htmldoc")
		if err != nil {
			return nil, "", false
		}
		mode, files, _ := strings.Cut(recipe, ":")
		var args []string
		dir := ""
		for i, f := range strings.Split(files, ",") {
			if i == 0 {
				dir = filepath.Dir(filepath.Join(debianDocs, f))
			}
			p := filepath.Join(dir, filepath.Base(f))
			if _, err := os.Stat(p); err != nil {
				return nil, "", false
			}
			args = append(args, p)
		}
		path = filepath.Join(t.TempDir(), "report.pdf")
		cmd := exec.Command(bin, append([]string{"--quiet", "--" + mode, "-f", path}, args...)...)
		out, err := cmd.CombinedOutput()
		// htmldoc exits non-zero for warnings (an image it cannot load) after writing the PDF.
		if data, rerr := os.ReadFile(path); rerr == nil && len(data) > 0 {
			return data, path, true
		}
		t.Fatalf("htmldoc wrote no PDF: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(debianDocs, d.path))
	if err != nil {
		return nil, "", false
	}
	path = filepath.Join(debianDocs, d.path)
	if strings.HasSuffix(d.path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(d.path), ".gz"))
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return raw, path, true
}

func TestQualityDebianDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts about 1,500 pages")
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; it is the reference for this test")
	}
	var sum float64
	n := 0
	for _, d := range debianSet {
		data, path, ok := debianDocPDF(t, d)
		if !ok {
			t.Logf("%-60s absent (package not installed)", d.path)
			continue
		}
		ref, err := exec.Command(bin, "-q", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Errorf("%s: pdftotext: %v", d.path, err)
			continue
		}
		start := time.Now()
		doc, err := Extract(context.Background(), data, Config{})
		if err != nil {
			t.Errorf("%s: %v", d.path, err)
			continue
		}
		f1, _ := tokenF1(docText(doc), string(ref))
		sum += f1
		n++
		name := d.path
		if len(name) > 60 {
			name = "…" + name[len(name)-59:]
		}
		t.Logf("| %-60s | %-34s | %4d | %.3f | %s", name, d.kind, doc.Pages, f1, time.Since(start).Round(time.Millisecond))
		if f1 < d.floor {
			t.Errorf("%s: F1 %.3f < floor %.3f", d.path, f1, d.floor)
		}
	}
	if n == 0 {
		t.Skip("none of the Debian documentation packages is installed (scripts/setup.sh installs them)")
	}
	mean := sum / float64(n)
	t.Logf("mean F1 over %d files: %.3f", n, mean)
	if n == len(debianSet) && mean < debianMeanFloor {
		t.Errorf("mean F1 %.3f < %.2f", mean, debianMeanFloor)
	}
}
