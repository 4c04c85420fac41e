package retrieval

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/lorebase/lorebase"
)

var allModes = []string{ModeHybrid, ModeLexical, ModeVector}

func TestSearchTenantIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	orgA, orgB := e.org(t), e.org(t)
	itemA, itemB := e.item(t, orgA, "file", "A"), e.item(t, orgB, "file", "B")
	text := "Refunds are issued within 14 days to the original payment method."
	e.add(t,
		lorebase.Chunk{OrganizationID: orgA.String(), ItemID: itemA.String(), Content: text, Language: "en"},
		lorebase.Chunk{OrganizationID: orgB.String(), ItemID: itemB.String(), Content: text, Language: "en"},
		lorebase.Chunk{OrganizationID: orgB.String(), ItemID: itemB.String(), Position: 1, Content: "Refund policy: refunds within 14 days.", Language: "en"},
	)
	for _, mode := range allModes {
		res := e.search(t, Query{OrganizationID: orgA, Text: "how long do refunds take", Language: "en", Mode: mode})
		if len(res) != 1 || res[0].ItemID != itemA.String() {
			t.Errorf("%s: org A got %d results %v, want only its own chunk", mode, len(res), itemsOf(res))
		}
	}
}

func TestSearchAssistantRestriction(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	sales, support := uuid.New(), uuid.New()
	open := e.item(t, org, "file", "open")
	restricted := e.item(t, org, "file", "sales only", sales)
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: open.String(), Content: "Our discount policy for students.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: restricted.String(), Content: "Internal discount policy for enterprise deals.", Language: "en", AssistantIDs: []string{sales.String()}},
	)
	for _, mode := range allModes {
		q := Query{OrganizationID: org, Text: "discount policy", Language: "en", Mode: mode}
		for _, tc := range []struct {
			assistant uuid.UUID
			want      map[uuid.UUID]bool
		}{
			{uuid.Nil, map[uuid.UUID]bool{open: true, restricted: true}},
			{sales, map[uuid.UUID]bool{open: true, restricted: true}},
			{support, map[uuid.UUID]bool{open: true}},
		} {
			q.AssistantID = tc.assistant
			got := itemsOf(e.search(t, q))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s, assistant %v: got items %v, want %v", mode, tc.assistant, got, tc.want)
			}
		}
	}
}

func TestSearchDeleteRemovesAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	gone, kept := e.item(t, org, "file", "gone"), e.item(t, org, "url", "kept")
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: gone.String(), Content: "The warranty covers manufacturing defects for two years.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: kept.String(), Content: "Shipping takes three to five business days.", Language: "en"},
	)
	q := Query{OrganizationID: org, Text: "warranty defects", Language: "en", Mode: ModeLexical}
	if res := e.search(t, q); len(res) != 1 || res[0].ItemID != gone.String() {
		t.Fatalf("before delete: got %v", itemsOf(res))
	}
	// Deleting the item cascades to chunks; the trigger removes postings in the same statement.
	if _, err := e.db.Pool.Exec(ctx, `DELETE FROM knowledge_items WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	for _, mode := range allModes {
		q.Mode = mode
		if res := e.search(t, q); itemsOf(res)[gone] {
			t.Errorf("%s: deleted item still found", mode)
		}
	}
	var postings, stats int
	err := e.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM chunk_terms WHERE term = 'warranti'), (SELECT count(*) FROM chunk_stats)`).Scan(&postings, &stats)
	if err != nil {
		t.Fatal(err)
	}
	if postings != 0 || stats != 1 {
		t.Errorf("after delete: %d postings of the deleted text, %d chunk_stats rows; want 0 and 1", postings, stats)
	}

	// DeleteItemChunks (re-index) does the same for the remaining item.
	tx, err := e.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ix.DeleteItemChunks(ctx, tx, kept); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if res := e.search(t, Query{OrganizationID: org, Text: "shipping days", Language: "en"}); len(res) != 0 {
		t.Errorf("after DeleteItemChunks: got %d results", len(res))
	}
}

func TestSearchBM25PrefersRareTerm(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "manual")
	rows := []lorebase.Chunk{
		{Content: "Replacing the toner cartridge takes a minute.", Language: "en"},
		{Content: "The printer connects over Wi-Fi.", Language: "en"},
	}
	for i := 0; i < 10; i++ { // "printer" is everywhere, "toner" in one chunk
		rows = append(rows, lorebase.Chunk{Content: fmt.Sprintf("Printer model %d supports duplex printing.", i), Language: "en"})
	}
	for i := range rows {
		rows[i].OrganizationID, rows[i].ItemID, rows[i].Position = org.String(), item.String(), i
	}
	e.add(t, rows...)
	res := e.search(t, Query{OrganizationID: org, Text: "printer toner", Language: "en", Mode: ModeLexical, K: 20})
	if len(res) != len(rows) {
		t.Fatalf("got %d results, want every chunk holding either term (%d)", len(res), len(rows))
	}
	if !strings.Contains(res[0].Content, "toner") {
		t.Errorf("top result %q, want the rare-term chunk", res[0].Content)
	}
	if res[0].LexicalScore <= res[1].LexicalScore || res[0].LexicalRank != 1 {
		t.Errorf("scores %v then %v, want the rare term to weigh more", res[0].LexicalScore, res[1].LexicalScore)
	}
}

func TestSearchQuestionMatchesWithoutAllWords(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "help")
	e.add(t, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Content: "To reset your password, open Settings and choose Security.", Language: "en", HeadingPath: []string{"Account"}})
	res := e.search(t, Query{OrganizationID: org, Text: "How can I quickly reset a forgotten password on my phone?", Language: "en", Mode: ModeLexical})
	if len(res) != 1 {
		t.Fatalf("got %d results; terms must be OR-ed, not AND-ed", len(res))
	}
	if res[0].Title != "help" || res[0].ItemType != "file" || res[0].HeadingPath[0] != "Account" || res[0].LexicalScore <= 0 {
		t.Errorf("result fields not loaded: %+v", res[0])
	}
}

func TestSearchCJK(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "faq")
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Content: "东京塔是日本东京的著名观光景点，高333米。", Language: "zh"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 1, Content: "パスワードをリセットするには、設定画面を開いてください。", Language: "ja"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 2, Content: "配送には通常三日かかります。", Language: "ja"},
	)
	for _, tc := range []struct{ query, lang, want string }{
		{"东京塔有多高？", "zh", "东京塔"},
		{"パスワードのリセット方法", "ja", "パスワード"},
	} {
		res := e.search(t, Query{OrganizationID: org, Text: tc.query, Language: tc.lang, Mode: ModeLexical})
		if len(res) == 0 || !strings.Contains(res[0].Content, tc.want) {
			t.Errorf("%s: got %v, want the chunk with %s first", tc.query, res, tc.want)
		}
	}
}

func TestSearchGermanStemming(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "Handbuch")
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Content: "Die Häuser wurden im letzten Jahr renoviert.", Language: "de"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 1, Content: "The houses were renovated last year.", Language: "en"},
	)
	// "Haus" only matches "Häuser" through the German stemmer.
	res := e.search(t, Query{OrganizationID: org, Text: "Wann wurde das Haus renoviert?", Language: "de", Mode: ModeLexical})
	if len(res) == 0 || !strings.Contains(res[0].Content, "Häuser") {
		t.Fatalf("got %v, want the German chunk first", res)
	}
	// A query tagged with the wrong language still reaches German chunks: it is also stemmed
	// with every configuration present in the organization.
	res = e.search(t, Query{OrganizationID: org, Text: "Haus renoviert", Language: "en", Mode: ModeLexical})
	if len(res) == 0 || !strings.Contains(res[0].Content, "Häuser") {
		t.Errorf("mislabelled query: got %v, want the German chunk", res)
	}
}

func TestSearchKindsFilter(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	doc, faq := e.item(t, org, "file", "doc"), e.item(t, org, "qa", "faq")
	var rows []lorebase.Chunk
	for i := 0; i < 30; i++ { // many better text matches must not crowd out the one qa chunk
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: doc.String(), Position: i, Content: "Opening hours: opening hours are 9 to 5, opening hours vary on holidays.", Language: "en"})
	}
	rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: faq.String(), Kind: lorebase.ChunkQA, Content: "Q: When are you open? A: Our opening hours are 9 to 5.", Language: "en"})
	e.add(t, rows...)
	for _, mode := range allModes {
		res := e.search(t, Query{OrganizationID: org, Text: "opening hours", Language: "en", Mode: mode, Kinds: []lorebase.ChunkKind{lorebase.ChunkQA}})
		if len(res) != 1 || res[0].Kind != lorebase.ChunkQA || res[0].ItemType != "qa" {
			t.Errorf("%s: got %d results (%v), want only the qa chunk", mode, len(res), itemsOf(res))
		}
	}
}

func TestIndexerInsertManyWithCopy(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	item := e.item(t, org, "file", "big")
	const n = 3000
	rows := make([]lorebase.Chunk, n)
	for i := range rows {
		rows[i] = lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Language: "en",
			Content: fmt.Sprintf("Section %d describes the common procedure and serial code x%dq.", i, i)}
	}
	e.add(t, rows...)
	var chunks, stats, common int
	err := e.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM chunk_stats),
		(SELECT count(*) FROM chunk_terms WHERE organization_id = $1 AND term = 'procedur')`, org).Scan(&chunks, &stats, &common)
	if err != nil {
		t.Fatal(err)
	}
	if chunks != n || stats != n || common != n {
		t.Errorf("chunks %d, chunk_stats %d, postings of a shared term %d; want %d each", chunks, stats, common, n)
	}
	res := e.search(t, Query{OrganizationID: org, Text: "what is serial code x2718q", Language: "en"})
	if len(res) == 0 || res[0].LexicalRank != 1 || !strings.Contains(res[0].Content, "x2718q") {
		t.Errorf("got %v, want the chunk with the unique code first", chunkIDsOf(res))
	}
}

// TestIndexerConcurrentIngestion inserts into one organization from several transactions at
// once: the postings design has no shared counters, so nothing blocks or deadlocks, and the
// document frequencies add up.
func TestIndexerConcurrentIngestion(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	const writers, per = 4, 200
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		item := e.item(t, org, "file", "w")
		rows := make([]lorebase.Chunk, per)
		for i := range rows {
			rows[i] = lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Language: "en", Content: "shared vocabulary in every chunk"}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := e.db.Pool.Begin(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer tx.Rollback(ctx) //nolint:errcheck
			if err := e.ix.Insert(ctx, tx, rows); err != nil {
				errs <- err
				return
			}
			errs <- tx.Commit(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var df int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM chunk_terms WHERE organization_id = $1 AND term = 'vocabulari'`, org).Scan(&df); err != nil {
		t.Fatal(err)
	}
	if df != writers*per {
		t.Errorf("df %d, want %d", df, writers*per)
	}
}

// TestVectorQueryUsesHNSWIndex checks that the kNN query's cast and predicate match the partial
// expression index, so the planner can use it (with seq scans disabled, since the table is tiny).
func TestVectorQueryUsesHNSWIndex(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	item := e.item(t, org, "file", "x")
	e.add(t, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Content: "anything", Language: "en"})
	v, _ := e.emb.Embed(ctx, []string{"anything"})
	tx, err := e.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, tx, vectorSQL(384), v[0], org, e.emb.Model(), nil, []string{}, 10)
	if !strings.Contains(plan, "chunks_embedding_hnsw_384") {
		t.Errorf("vector query does not use the HNSW index:\n%s", plan)
	}
}

// TestSearchSeesNewChunksDespiteStatsCache searches an empty organization (nothing to cache),
// then one with chunks (cached statistics), then adds chunks: they match at once, because only
// N and the average length are cached, never postings.
func TestSearchSeesNewChunksDespiteStatsCache(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "x")
	q := Query{OrganizationID: org, Text: "invoice address", Language: "en", Mode: ModeLexical}
	if res := e.search(t, q); len(res) != 0 {
		t.Fatalf("empty organization: got %d results", len(res))
	}
	e.add(t, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Content: "Change the invoice address in Billing.", Language: "en"})
	if res := e.search(t, q); len(res) != 1 {
		t.Fatalf("after first chunk: got %d results", len(res))
	}
	e.add(t, lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 1, Content: "Every invoice is sent by email.", Language: "en"})
	if res := e.search(t, q); len(res) != 2 {
		t.Errorf("after second chunk: got %d results, want 2", len(res))
	}
}
