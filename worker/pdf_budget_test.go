package worker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pdf"
	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store/storetest"
)

// TestPDFOverBudgetFailsTheItem: a document whose pages share one big content stream runs
// into the document's operator budget; the item fails at once (no retry) with a reason a
// knowledge manager can read.
func TestPDFOverBudgetFailsTheItem(t *testing.T) {
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	w.in.deps.Extract.PDF = pdf.Config{MaxOperators: 1_000_000}
	it, err := w.knowledge.Create(context.Background(), lorebase.KnowledgeItem{OrganizationID: w.org, Type: lorebase.KnowledgeFile,
		Title: "hostile", FileType: "pdf", FileName: "hostile.pdf"}, "x", pdftest.SharedStream(200, 1<<20))
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
