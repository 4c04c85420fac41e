package pdf

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestQualityAgainstPdftotext compares our text with poppler's pdftotext (plain mode, no
// -layout) by token F1: a bag of lowercase whitespace-separated tokens, so reading order does
// not matter but glued words ("Copyrightissues"), split words ("Copy right"), lost text and
// duplicated text all do.
//
// Text PDFs (asserted F1 ≥ 0.9) are the files whose text layer poppler reads completely:
// prose, the two-column paper, the form, the Polish invoice, the tiny and the corrupted file.
// Japanese text has no spaces, so for references containing CJK the bag holds characters
// instead of tokens. jo.pdf and kampo.pdf use Adobe-Japan1 CIDs without a ToUnicode map;
// neither we nor this poppler (its Japanese language pack, poppler-data, is not installed)
// can map them, so they have no usable reference and are only logged. Encrypted files that
// need a password have no text to compare.
func TestQualityAgainstPdftotext(t *testing.T) {
	dir := corpus(t)
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; it is the reference for this test")
	}
	text := map[string]bool{
		"dmca.pdf": true, "f1040nr.pdf": true, "issue-1113-evil-xobjects.pdf": true,
		"issue-625-identity-cmap.pdf": true, "matplotlib.pdf": true, "naacl06-shinyama.pdf": true,
		"simple1.pdf": true, "zen_of_python_corrupted.pdf": true, "encryption/base.pdf": true,
	}
	var sum float64
	n := 0
	for _, name := range []string{
		"dmca.pdf", "f1040nr.pdf", "issue-1113-evil-xobjects.pdf", "issue-625-identity-cmap.pdf",
		"jo.pdf", "kampo.pdf", "matplotlib.pdf", "naacl06-shinyama.pdf", "simple1.pdf",
		"zen_of_python_corrupted.pdf", "encryption/base.pdf",
	} {
		ref, err := exec.Command(bin, "-q", "-enc", "UTF-8", filepath.Join(dir, name), "-").Output()
		if err != nil {
			t.Logf("%-30s pdftotext failed: %v", name, err)
			continue
		}
		doc, err := Extract(context.Background(), readCorpus(t, name), Config{})
		var got string
		if err == nil {
			got = docText(doc)
		}
		f1, unit := tokenF1(got, string(ref))
		if strings.TrimSpace(string(ref)) == "" {
			t.Logf("%-30s no reference text from pdftotext (ours: err=%v, %d chars)", name, err, len(got))
			continue
		}
		t.Logf("%-30s F1 %.3f (%s)", name, f1, unit)
		if text[name] && f1 < 0.9 {
			t.Errorf("%s: F1 %.3f < 0.9 (err=%v)", name, f1, err)
		}
		sum += f1
		n++
	}
	// The mean over every file with a reference, kampo.pdf's unmappable glyphs included.
	if n > 0 {
		t.Logf("mean F1 over %d files: %.3f", n, sum/float64(n))
		if sum/float64(n) < 0.95 {
			t.Errorf("mean F1 %.3f < 0.95", sum/float64(n))
		}
	}
}

// tokenF1 returns the bag-of-tokens F1 of got against ref, and which unit it counted.
func tokenF1(got, ref string) (float64, string) {
	split, unit := strings.Fields, "tokens"
	if strings.IndexFunc(ref, isCJK) >= 0 {
		split, unit = chars, "characters"
	}
	bag := func(s string) map[string]int {
		m := map[string]int{}
		for _, t := range split(strings.ToLower(s)) {
			m[t]++
		}
		return m
	}
	g, r := bag(got), bag(ref)
	var overlap, ng, nr int
	for t, n := range g {
		overlap += min(n, r[t])
		ng += n
	}
	for _, n := range r {
		nr += n
	}
	if overlap == 0 {
		return 0, unit
	}
	p, rc := float64(overlap)/float64(ng), float64(overlap)/float64(nr)
	return 2 * p * rc / (p + rc), unit
}

func chars(s string) []string {
	var out []string
	for _, r := range s {
		if !unicode.IsSpace(r) {
			out = append(out, string(r))
		}
	}
	return out
}
