package worker

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store/storetest"
)

// TestReanalyzeChunksJob: chunks stored by the previous analyzer (no title field) get the
// current one's search text from the job, without re-ingestion, and are then found by their
// item's title.
func TestReanalyzeChunksJob(t *testing.T) {
	t.Parallel()
	w := setup(t, offline.NewEmbedder(storetest.VectorDims))
	ctx := context.Background()
	it, err := w.knowledge.Create(ctx, lorebase.KnowledgeItem{OrganizationID: w.org, Type: lorebase.KnowledgeFile,
		Title: "Warranty terms", FileType: "text", FileName: "w.txt", FileSize: 5}, "sha", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	org, item := uuid.MustParse(w.org), uuid.MustParse(it.ID)
	err = pgx.BeginFunc(ctx, w.db.Pool, func(tx pgx.Tx) error {
		return retrieval.NewIndexer().InsertTitled(ctx, tx, "Warranty terms", []lorebase.Chunk{{OrganizationID: w.org, ItemID: it.ID,
			Content: "Two years on every appliance.", Language: "en"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// As analyzer 1 wrote it.
	if _, err := w.db.Pool.Exec(ctx, `UPDATE chunks SET search_text = content, analyzer = 1 WHERE item_id = $1`, item); err != nil {
		t.Fatal(err)
	}
	s, err := retrieval.New(w.db.Pool, retrieval.Config{StatsTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	q := retrieval.Query{OrganizationID: org, Text: "warranty", Language: "en", Mode: retrieval.ModeLexical}
	if res, err := s.Search(ctx, q); err != nil || len(res) != 0 {
		t.Fatalf("before: %d results, %v", len(res), err)
	}
	if err := (&ReanalyzeChunksWorker{pool: w.db.Pool}).Work(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var text string
	var version int
	if err := w.db.Pool.QueryRow(ctx, `SELECT search_text, analyzer FROM chunks WHERE item_id = $1`, item).Scan(&text, &version); err != nil {
		t.Fatal(err)
	}
	if version != retrieval.AnalyzerVersion || !strings.HasPrefix(text, "Warranty terms\n") {
		t.Fatalf("after the job: analyzer %d, search text %q", version, text)
	}
	if res, err := s.Search(ctx, q); err != nil || len(res) != 1 {
		t.Fatalf("after: %d results, %v", len(res), err)
	}
}
