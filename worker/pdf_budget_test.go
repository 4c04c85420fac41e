package worker

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pdf"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store/storetest"
)

// sharedStreamPDF is issue 14's hostile file, scaled down: pages pages drawing one Flate
// content stream of about size bytes of drawing operators.
func sharedStreamPDF(pages, size int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write([]byte("BT /F1 12 Tf 72 700 Td (Shared content stream) Tj ET\n"))
	chunk := []byte(strings.Repeat("q 1 0 0 1 0 0 cm 0 0 m 10 10 l S Q\n", 1<<10))
	for n := 0; n < size; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>", "",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()),
	}
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 5+i))
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>")
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// TestPDFOverBudgetFailsTheItem: a document whose pages share one big content stream runs
// into the document's operator budget; the item fails at once (no retry) with a reason a
// knowledge manager can read.
func TestPDFOverBudgetFailsTheItem(t *testing.T) {
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	w.in.deps.Extract.PDF = pdf.Config{MaxOperators: 1_000_000}
	it, err := w.knowledge.Create(context.Background(), lorebase.KnowledgeItem{OrganizationID: w.org, Type: lorebase.KnowledgeFile,
		Title: "hostile", FileType: "pdf", FileName: "hostile.pdf"}, "x", sharedStreamPDF(200, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	job := &river.Job[IngestFileArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: fileAttempts},
		Args: IngestFileArgs{ItemJob{ItemID: it.ID, Generation: it.Generation}}}
	err = (&IngestFileWorker{in: w.in}).Work(context.Background(), job)
	var cancel *river.JobCancelError
	if !errors.As(err, &cancel) {
		t.Fatalf("Work = %v, want a cancelled (permanent) job", err)
	}
	got, err := w.in.items.Load(context.Background(), it.ID, it.Generation)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != lorebase.StatusFailed || got.Error == nil || !strings.Contains(*got.Error, "needs more work to read") || !strings.Contains(*got.Error, "operators") {
		t.Fatalf("item = %s, error %v", got.Status, got.Error)
	}
	t.Logf("item error: %s", *got.Error)
}
