package pdf

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
)

// TestSharedContentStreamBudget: 2,000 pages share one 31 MiB content stream. The stream
// must be decoded once for the document, and the document's operator budget must end the
// extraction with ErrTooComplex long before 2,000 × 4 million operators have run; the heap
// must stay bounded while it runs.
func TestSharedContentStreamBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 31 MiB stream")
	}
	data := pdftest.SharedStream(2000, 31<<20)
	stop := heapPeak()
	start := time.Now()
	doc, err := Extract(context.Background(), data, Config{Timeout: time.Minute})
	took := time.Since(start)
	peak := stop()
	t.Logf("%d KB file: heap peak +%d MiB, %s, err %v", len(data)>>10, peak>>20, took.Round(time.Millisecond), err)
	if !errors.Is(err, ErrTooComplex) {
		t.Fatalf("err = %v (doc %v), want ErrTooComplex", err, doc != nil)
	}
	if !strings.Contains(err.Error(), "operators") {
		t.Errorf("error %q does not say which budget ran out", err)
	}
	// The decoded stream (31 MiB, kept once for the document) and its buffer's growth, plus
	// the interpreter's garbage: well under 200 MiB. Before the document budget, the same
	// file ran until its timeout while another 31 MiB were decoded for every page.
	if peak > 200<<20 {
		t.Errorf("heap grew by %d MiB, want at most 200 MiB", peak>>20)
	}
}

// TestStreamCacheDecodesOnce: the same content stream drawn by many pages is decoded once;
// the decoded-bytes budget counts it once.
func TestStreamCacheDecodesOnce(t *testing.T) {
	data := pdftest.SharedStream(20, 256<<10)
	d, err := newDocument(data, Config{}.withDefaults(), func() bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	doc, err := d.extract()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(docText(doc), "Shared content stream"); got != 20 {
		t.Errorf("text appears %d times, want 20", got)
	}
	if d.decoded > 300<<10 {
		t.Errorf("decoded %d bytes for a 256 KiB stream shared by 20 pages", d.decoded)
	}
	t.Logf("decoded %d bytes, ran %d operators", d.decoded, d.ops)
}

// TestDecodedBytesBudget: distinct streams whose total passes the document's decoded-bytes
// budget end with ErrTooComplex naming that budget.
func TestDecodedBytesBudget(t *testing.T) {
	data := pdftest.SharedStream(3, 1<<20)
	_, err := Extract(context.Background(), data, Config{MaxDecodedBytes: 512 << 10})
	if !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "decoded") {
		t.Fatalf("err = %v, want ErrTooComplex about decoded bytes", err)
	}
}

// BenchmarkSharedContentStream reports the heap and time the issue-14 document costs.
func BenchmarkSharedContentStream(b *testing.B) {
	data := pdftest.SharedStream(2000, 31<<20)
	var worst uint64
	for b.Loop() {
		stop := heapPeak()
		_, err := Extract(context.Background(), data, Config{Timeout: time.Minute})
		worst = max(worst, stop())
		if !errors.Is(err, ErrTooComplex) {
			b.Fatalf("err = %v", err)
		}
	}
	b.ReportMetric(float64(worst)/(1<<20), "MiB-heap-peak")
	b.ReportMetric(float64(len(data))/(1<<10), "KB-file")
	runtime.GC()
}

// TestContentArrayCycle: a Contents array that contains itself ends with an error or partial
// text, never a stack overflow.
func TestContentArrayCycle(t *testing.T) {
	data := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
		"[5 0 R 4 0 R]",
		stream("BT /F1 12 Tf 72 700 Td (Still here) Tj ET"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	})
	doc, err := Extract(context.Background(), data, Config{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if !strings.Contains(docText(doc), "Still here") {
		t.Errorf("text = %q", docText(doc))
	}
}
