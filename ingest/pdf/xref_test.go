package pdf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Damaged cross-reference data is common in real files (a file edited by hand or by a
// tool that does not rewrite the offsets, a transfer that lost or added bytes, a truncated
// download). Poppler then rebuilds the table by scanning the file for "N G obj"; so must we.
// Each damage is applied to a real PDF in the test.

// damages returns the ways the test breaks a file's cross-reference data.
func damages() map[string]func([]byte) []byte {
	startxref := regexp.MustCompile(`startxref\s+(\d+)`)
	return map[string]func([]byte) []byte{
		// startxref points into the middle of nowhere.
		"wrong startxref": func(b []byte) []byte {
			return startxref.ReplaceAll(b, []byte("startxref\n"+strconv.Itoa(len(b)/3)))
		},
		// Bytes inserted after the header (a CRLF conversion, an editor): every offset is off.
		"shifted offsets": func(b []byte) []byte {
			i := bytes.IndexByte(b, '\n') + 1
			return append(append(append([]byte{}, b[:i]...), []byte("% inserted by a careless tool\n% and another line\n")...), b[i:]...)
		},
		// The xref section and trailer are gone: no startxref, no %%EOF.
		"truncated tail": func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("startxref"))
			j := bytes.LastIndex(b[:max(i, 0)], []byte("endobj"))
			if j < 0 {
				return b[:len(b)*9/10]
			}
			return b[:j+len("endobj\n")]
		},
		// Every offset in the table is zeroed.
		"zeroed xref table": func(b []byte) []byte {
			re := regexp.MustCompile(`(?m)^\d{10} (\d{5}) n`)
			return re.ReplaceAll(b, []byte("0000000000 $1 n"))
		},
	}
}

// brokenXrefSources are the real files the damage is applied to: one with a classic xref
// table (shared corpus) and, when installed, one with compressed object and xref streams.
func brokenXrefSources(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	if _, err := os.Stat(corpusDir); err == nil {
		out["dmca.pdf"] = readCorpus(t, "dmca.pdf")
	}
	for _, p := range []string{"/usr/share/doc/texlive-doc/latex/booktabs/booktabs.pdf"} {
		if b, err := os.ReadFile(p); err == nil {
			out[filepath.Base(p)] = b
		}
	}
	if len(out) == 0 {
		t.Skip("no real PDF available (shared corpus or texlive-latex-recommended-doc)")
	}
	return out
}

func TestBrokenXrefIsRebuilt(t *testing.T) {
	pdftotext, _ := exec.LookPath("pdftotext")
	for name, data := range brokenXrefSources(t) {
		want, err := Extract(context.Background(), data, Config{Timeout: time.Minute})
		if err != nil {
			t.Fatalf("%s undamaged: %v", name, err)
		}
		for dname, damage := range damages() {
			t.Run(name+"/"+dname, func(t *testing.T) {
				broken := damage(data)
				if bytes.Equal(broken, data) {
					t.Skip("this damage does not apply to this file (no xref table)")
				}
				if pdftotext != "" {
					path := filepath.Join(t.TempDir(), "broken.pdf")
					os.WriteFile(path, broken, 0o600)
					if out, err := exec.Command(pdftotext, "-q", path, "-").Output(); err != nil || len(strings.TrimSpace(string(out))) == 0 {
						t.Skipf("pdftotext cannot read this damage either (%v)", err)
					}
				}
				doc, err := Extract(context.Background(), broken, Config{Timeout: time.Minute})
				if err != nil {
					t.Fatalf("Extract: %v", err)
				}
				f1, _ := tokenF1(docText(doc), docText(want))
				t.Logf("F1 against the undamaged file %.3f, warnings %q", f1, doc.Warnings)
				if f1 < 0.99 {
					t.Errorf("F1 against the undamaged file %.3f < 0.99", f1)
				}
			})
		}
	}
}

// TestEncryptedAndDamaged: an encrypted file whose cross-reference data is damaged is
// reported as protected by a password (what a knowledge manager can act on), never as
// damaged. (Cutting off the tail of these samples removes their only trailer and with it the
// inline encryption dictionary; no reader can tell such a file is encrypted, so that damage
// is left out.)
func TestEncryptedAndDamaged(t *testing.T) {
	corpus(t)
	for _, name := range []string{"encryption/rc4-40.pdf", "encryption/aes-128.pdf", "encryption/aes-256-r6.pdf"} {
		data := readCorpus(t, name)
		for dname, damage := range damages() {
			if dname == "truncated tail" && name != "encryption/aes-256-r6.pdf" {
				continue
			}
			t.Run(name+"/"+dname, func(t *testing.T) {
				_, err := Extract(context.Background(), damage(data), Config{Timeout: time.Minute})
				if !errors.Is(err, ErrPasswordProtected) || strings.Contains(err.Error(), "damaged and could not") {
					t.Fatalf("err = %v, want ErrPasswordProtected", err)
				}
			})
		}
	}
}
