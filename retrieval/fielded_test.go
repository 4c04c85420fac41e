package retrieval

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
)

// addTitled inserts chunks with a title field, as the worker does for an item's chunks.
func (e *env) addTitled(t *testing.T, title string, rows ...lorebase.Chunk) {
	t.Helper()
	vecs, err := e.emb.Embed(context.Background(), contentsOf(rows))
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].Embedding, rows[i].EmbeddingModel = vecs[i], e.emb.Model()
	}
	err = pgx.BeginFunc(context.Background(), e.db.Pool, func(tx pgx.Tx) error {
		return e.ix.InsertTitled(context.Background(), tx, title, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func contentsOf(rows []lorebase.Chunk) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Content
	}
	return out
}

// indexedSearcher builds an in-process index over the test database and a Searcher using it.
func (e *env) indexedSearcher(t *testing.T, cfg Config) *Searcher {
	t.Helper()
	ix, err := NewIndex(e.db.Pool, IndexConfig{MaxLag: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.Index = ix
	s, err := New(e.db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSearchStopWordsStayStopWords: an English question is also stemmed with the German
// configuration of the organization's German chunks, which keeps English stop words as lexemes.
// Only a chunk stemmed as German holds them (English text whose language was misdetected), so
// they had a tiny df and a huge idf, and that chunk topped unrelated questions. The query's own
// language decides which words are stop words, in the SQL statement and in the index alike.
func TestSearchStopWordsStayStopWords(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "doc")
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 0, Content: "Dogs need food rich in protein.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 1, Content: "Cats sleep for most of the day.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: 2, Content: "This is the manual for the printer, and it is what the office uses.", Language: "de"},
	)
	indexed := e.indexedSearcher(t, Config{})
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		res := e.searchWith(t, s, Query{OrganizationID: org, Text: "What is the best food for the dogs?", Language: "en", Mode: ModeLexical})
		if len(res) != 1 || res[0].Content != "Dogs need food rich in protein." {
			t.Errorf("%s: results %v, want only the dog food chunk", name, contents(res))
		}
		// German stop words of a German question are dropped too, while German stemming still
		// finds the German chunk by its content words.
		res = e.searchWith(t, s, Query{OrganizationID: org, Text: "Wo ist das Handbuch für den printer?", Language: "de", Mode: ModeLexical})
		if len(res) != 1 || res[0].Content[:4] != "This" {
			t.Errorf("%s: results %v, want only the printer chunk", name, contents(res))
		}
	}
}

func contents(res []Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Content
	}
	return out
}

func TestFieldText(t *testing.T) {
	for _, tc := range []struct {
		title    string
		headings []string
		content  string
		want     string
	}{
		{"Returns", []string{"Policy", "Refunds"}, "Within 30 days.", "Returns\nReturns\nPolicy Refunds\nWithin 30 days."},
		{"", nil, "Body only.", "Body only."},
		// A title equal to the first heading (a Markdown "# Title") is not counted again.
		{"Returns", []string{"returns ", "Refunds"}, "Body.", "returns  Refunds\nBody."},
	} {
		if got := FieldText(tc.title, tc.headings, tc.content); got != tc.want {
			t.Errorf("FieldText(%q, %q, %q) = %q, want %q", tc.title, tc.headings, tc.content, got, tc.want)
		}
	}
	if ChunkTitle(lorebase.ChunkQA, "Do you ship to Canada?", "") != "" ||
		ChunkTitle(lorebase.ChunkText, "Site", "Page") != "Page" || ChunkTitle(lorebase.ChunkText, "File", "") != "File" {
		t.Error("ChunkTitle picks the wrong field")
	}
}

// TestSearchFieldedBM25: the title field is indexed (a document found by its title's words
// alone) and weighs more than the body (BM25F), in SQL and in the in-process index alike.
func TestSearchFieldedBM25(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	a := e.item(t, org, "file", "Glaucoma and diet")
	b := e.item(t, org, "file", "Eye pressure")
	c := e.item(t, org, "file", "Coffee")
	e.addTitled(t, "Glaucoma and diet", lorebase.Chunk{OrganizationID: org.String(), ItemID: a.String(), Content: "Leafy greens lowered the risk in a cohort of nurses.", Language: "en"})
	e.addTitled(t, "Eye pressure", lorebase.Chunk{OrganizationID: org.String(), ItemID: b.String(), Content: "Intraocular pressure rises in glaucoma, measured in a cohort of nurses.", Language: "en"})
	e.addTitled(t, "Coffee", lorebase.Chunk{OrganizationID: org.String(), ItemID: c.String(), Content: "Coffee drinking in a cohort of nurses.", Language: "en"})
	indexed := e.indexedSearcher(t, Config{})
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		res := e.searchWith(t, s, Query{OrganizationID: org, Text: "diet", Language: "en", Mode: ModeLexical})
		if len(res) != 1 || res[0].ItemID != a.String() {
			t.Errorf("%s: 'diet' (a title word only) found %v", name, contents(res))
		}
		// Both chunks have "glaucoma" once in the text BM25 sees and similar lengths; the title
		// field's weight puts a's first.
		res = e.searchWith(t, s, Query{OrganizationID: org, Text: "glaucoma", Language: "en", Mode: ModeLexical})
		if len(res) != 2 || res[0].ItemID != a.String() || res[1].ItemID != b.String() {
			t.Errorf("%s: 'glaucoma' found %v, want the titled chunk first", name, contents(res))
		}
	}
}

// TestSearchIdentifiers: identifiers are found as written and by their parts.
func TestSearchIdentifiers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	it := e.item(t, org, "file", "Configuration")
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 0, Content: "Set PGDATA_MAX_SIZE to bound the data directory.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 1, Content: "The max size of the data directory, the max size of a table and the max size of a row are listed here.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 2, Content: "Uploads larger than server.maxBodySize are refused.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 3, Content: "The server logs each request.", Language: "en"},
	)
	indexed := e.indexedSearcher(t, Config{})
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		for _, tc := range []struct {
			q    string
			want string
		}{
			{"PGDATA_MAX_SIZE", "Set PGDATA_MAX_SIZE"}, // as written, ahead of "max size" thrice
			{"pgdata max size", "Set PGDATA_MAX_SIZE"},
			{"server.maxBodySize", "Uploads larger"},
			{"maxBodySize", "Uploads larger"},
			{"what is the max body size of uploads", "Uploads larger"},
		} {
			res := e.searchWith(t, s, Query{OrganizationID: org, Text: tc.q, Language: "en", Mode: ModeLexical})
			if len(res) == 0 || !strings.HasPrefix(res[0].Content, tc.want) {
				t.Errorf("%s: %q found %v first, want %q", name, tc.q, contents(res), tc.want)
			}
		}
	}
}

// TestReanalyze: chunks written by an older analyzer are rewritten in place: the new fields
// become searchable in SQL and, through the change feed, in the in-process index, and the
// rewrite stops once every chunk is current.
func TestReanalyze(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	org := e.org(t)
	page := e.item(t, org, "url", "Site")
	qa := e.item(t, org, "qa", "Do you ship to Canada?")
	var pageID int64
	if err := e.db.Pool.QueryRow(ctx, `INSERT INTO crawl_pages (item_id, url, title) VALUES ($1, 'https://x.test/a', 'Warranty terms') RETURNING id`, page).Scan(&pageID); err != nil {
		t.Fatal(err)
	}
	e.add(t,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: page.String(), PageID: &pageID, Content: "Two years on every appliance.", Language: "en"},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: qa.String(), Kind: lorebase.ChunkQA, Content: "Do you ship to Canada?\nYes, in 7 to 10 business days.", Language: "en"},
	)
	// As version 1 wrote them: the content alone, no title field.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE chunks SET search_text = content, analyzer = 1 WHERE organization_id = $1`, org); err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(e.db.Pool, IndexConfig{MaxLag: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Build(ctx); err != nil {
		t.Fatal(err)
	}
	indexed, err := New(e.db.Pool, Config{Index: ix})
	if err != nil {
		t.Fatal(err)
	}
	q := Query{OrganizationID: org, Text: "warranty", Language: "en", Mode: ModeLexical}
	if res := e.searchWith(t, indexed, q); len(res) != 0 {
		t.Fatalf("before: %v", contents(res))
	}
	n, err := e.ix.Reanalyze(ctx, e.db.Pool, 1)
	if err != nil || n != 1 {
		t.Fatalf("first batch: %d, %v", n, err)
	}
	if n, err = e.ix.Reanalyze(ctx, e.db.Pool, 10); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if n, err = e.ix.Reanalyze(ctx, e.db.Pool, 10); err != nil || n != 0 {
		t.Fatalf("nothing left: %d, %v", n, err)
	}
	var stale int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM chunks WHERE organization_id = $1 AND analyzer <> $2`, org, AnalyzerVersion).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("stale chunks: %d, %v", stale, err)
	}
	if err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		if res := e.searchWith(t, s, q); len(res) != 1 || res[0].ItemID != page.String() {
			t.Errorf("%s: the page title is not indexed after reanalysis: %v", name, contents(res))
		}
		// A pair has no title field: its question's words weigh what its answer's do.
		var want, got float64
		res := e.searchWith(t, s, Query{OrganizationID: org, Text: "canada", Language: "en", Mode: ModeLexical})
		if len(res) == 1 {
			got = res[0].LexicalScore
		}
		res = e.searchWith(t, s, Query{OrganizationID: org, Text: "business", Language: "en", Mode: ModeLexical})
		if len(res) == 1 {
			want = res[0].LexicalScore
		}
		if math.Abs(got-want) > 1e-9 || want <= 0 {
			t.Errorf("%s: question word scores %.3f, answer word %.3f", name, got, want)
		}
	}
}

func TestRM3(t *testing.T) {
	query := unitTerms([]string{"vitamin", "bone", "vitamin"})
	docs := []scored{{chunkID: 1, score: 3}, {chunkID: 2, score: 1}, {chunkID: 3, score: 1}}
	vecs := map[int64]termVector{
		1: {length: 4, tfs: map[string]float64{"vitamin": 2, "calcium": 1, "bone": 1}},
		2: {length: 2, tfs: map[string]float64{"calcium": 1, "milk": 1}},
		// chunk 3 has no vector (deleted since the first pass): it is skipped
	}
	got := rm3(query, docs, vecs, 2, 0.5)
	// P(d1)=0.75, P(d2)=0.25: vitamin .375, calcium .1875+.125=.3125, bone .1875, milk .125;
	// the 2 heaviest are vitamin and calcium (sum .6875); scale = (1-.5)/.5 * |q|=2 / .6875.
	scale := 2 / 0.6875
	want := map[string]float64{"bone": 1, "calcium": scale * 0.3125, "vitamin": 1 + scale*0.375}
	if len(got.terms) != len(want) {
		t.Fatalf("rm3 = %v %v, want %v", got.terms, got.weights, want)
	}
	for i, term := range got.terms {
		if i > 0 && got.terms[i-1] >= term {
			t.Errorf("terms not sorted: %v", got.terms)
		}
		if w, ok := want[term]; !ok || math.Abs(w-got.weights[i]) > 1e-12 {
			t.Errorf("weight of %q = %g, want %g", term, got.weights[i], w)
		}
	}
	if q := rm3(weightedTerms{}, docs, vecs, 2, 0.5); len(q.terms) != 0 {
		t.Errorf("an empty query was expanded: %v", q.terms)
	}
}

func TestFeedbackApplies(t *testing.T) {
	flat := []scored{{1, 5}, {2, 4}, {3, 3}}
	if !feedbackApplies(flat, 3, 50, 2) {
		t.Error("a flat first pass gets no feedback")
	}
	steep := []scored{{1, 7}, {2, 4}, {3, 3}}
	if feedbackApplies(steep, 3, 50, 2) {
		t.Error("a first pass whose best chunk stands out gets feedback")
	}
	if !feedbackApplies(steep, 4, 50, 2) || !feedbackApplies(steep[:1], 10, 50, 2) {
		t.Error("a first pass with fewer matches than feedback's chunks gets no feedback")
	}
	if feedbackApplies(steep, 4, 3, 2) {
		t.Error("a first pass cut at its limit counts as few matches")
	}
	if feedbackApplies(flat, 0, 50, 2) || feedbackApplies(nil, 3, 50, 2) || feedbackApplies([]scored{{1, 0}}, 3, 50, 2) {
		t.Error("feedback off, or nothing matched, yet feedback applies")
	}
}

// feedbackSearchers are a SQL searcher with feedback on (no statistics cache, so it sees every
// chunk added), one with feedback off, and an in-process one with feedback on.
func (e *env) feedbackSearchers(t *testing.T) (sqlOn, sqlOff, indexed *Searcher) {
	t.Helper()
	var err error
	if sqlOn, err = New(e.db.Pool, Config{StatsTTL: -1, FeedbackDocs: FeedbackDocsOn}); err != nil {
		t.Fatal(err)
	}
	if sqlOff, err = New(e.db.Pool, Config{FeedbackDocs: -1}); err != nil {
		t.Fatal(err)
	}
	return sqlOn, sqlOff, e.indexedSearcher(t, Config{FeedbackDocs: FeedbackDocsOn})
}

// TestSearchFeedback: with a flat first pass, RM3 brings in a chunk that shares the first
// results' vocabulary but not the query's word, in SQL and in the in-process index alike, and
// not when feedback is off.
func TestSearchFeedback(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	it := e.item(t, org, "file", "Nutrition")
	var rows []lorebase.Chunk
	for i := 0; i < 12; i++ {
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: i, Language: "en",
			Content: fmt.Sprintf("Study %d: vitamin D supplements and bone density in older women, osteoporosis risk.", i)})
	}
	rows = append(rows,
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 12, Language: "en", Content: "Calcium intake, bone density and osteoporosis in older women."},
		lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 13, Language: "en", Content: "Coffee consumption and sleep quality in students."},
	)
	for i := 0; i < 20; i++ {
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: 14 + i, Language: "en",
			Content: fmt.Sprintf("Unrelated traffic and weather report, route x%c.", 'a'+i)})
	}
	e.add(t, rows...)
	sqlOn, sqlOff, indexed := e.feedbackSearchers(t)
	q := Query{OrganizationID: org, Text: "vitamin supplements", Language: "en", Mode: ModeLexical, K: 20}
	has := func(res []Result) bool {
		for _, r := range res {
			if strings.HasPrefix(r.Content, "Calcium") {
				return true
			}
		}
		return false
	}
	off := e.searchWith(t, sqlOff, q)
	if len(off) != 12 || has(off) {
		t.Fatalf("without feedback: %d results, calcium %v", len(off), has(off))
	}
	on := e.searchWith(t, sqlOn, q)
	if !has(on) {
		t.Errorf("feedback did not bring in the calcium chunk: %v", contents(on))
	}
	for _, r := range on {
		if strings.HasPrefix(r.Content, "Coffee") || strings.HasPrefix(r.Content, "Unrelated") {
			t.Errorf("feedback brought in %q", r.Content)
		}
	}
	sameRanking(t, "indexed vs sql with feedback", on, e.searchWith(t, indexed, q))

	// The same studies as curated Q&A pairs: no feedback from pairs.
	org2 := e.org(t)
	it2 := e.item(t, org2, "qa", "Pairs")
	for i := range rows {
		rows[i].OrganizationID, rows[i].ItemID = org2.String(), it2.String()
		if i < 12 {
			rows[i].Kind = lorebase.ChunkQA
		}
	}
	e.add(t, rows...)
	q.OrganizationID = org2
	if res := e.searchWith(t, sqlOn, q); len(res) != 12 || has(res) {
		t.Errorf("feedback learned from curated pairs: %v", contents(res))
	}
}

// TestSearchFeedbackFewMatches: a rare word that only two chunks contain gets feedback from
// those two (there is no tenth chunk to compare with), which brings in the chunks that say the
// same in other words, in SQL and in the in-process index alike; the two stay on top, and
// nothing comes in with feedback off.
func TestSearchFeedbackFewMatches(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	it := e.item(t, org, "file", "Nutrition")
	rows := []lorebase.Chunk{
		{Content: "Cholecalciferol, vitamin D3, supports calcium absorption and bone density."},
		{Content: "Low cholecalciferol levels: vitamin D deficiency weakens bone density."},
		{Content: "Vitamin D from sunlight helps calcium absorption and bone density."},
		{Content: "Bone density falls without calcium and vitamin D."},
		{Content: "Coffee consumption and sleep quality in students."},
	}
	for i := 0; i < 20; i++ {
		rows = append(rows, lorebase.Chunk{Content: fmt.Sprintf("Unrelated traffic and weather report, route x%c.", 'a'+i)})
	}
	for i := range rows {
		rows[i].OrganizationID, rows[i].ItemID, rows[i].Position, rows[i].Language = org.String(), it.String(), i, "en"
	}
	e.add(t, rows...)
	sqlOn, sqlOff, indexed := e.feedbackSearchers(t)
	q := Query{OrganizationID: org, Text: "cholecalciferol", Language: "en", Mode: ModeLexical, K: 10}
	off := e.searchWith(t, sqlOff, q)
	if len(off) != 2 || off[0].LexicalPass != PassQuestion {
		t.Fatalf("without feedback: %q, want the two matches, from the question", contents(off))
	}
	on := e.searchWith(t, sqlOn, q)
	got := contents(on)
	if len(got) != 4 || !strings.Contains(got[0], "holecalciferol") || !strings.Contains(got[1], "holecalciferol") {
		t.Errorf("with feedback from two matches: %q, want the two matches first, then the two other vitamin D chunks", got)
	}
	for _, r := range on {
		if r.LexicalPass != PassFeedback {
			t.Errorf("lexical pass %q, want %q", r.LexicalPass, PassFeedback)
		}
	}
	sameRanking(t, "indexed vs sql with feedback from few matches", on, e.searchWith(t, indexed, q))
}

func TestCapPerItem(t *testing.T) {
	r := func(id int64, item string) Result { return Result{Chunk: lorebase.Chunk{ID: id, ItemID: item}} }
	in := []Result{r(1, "a"), r(2, "a"), r(3, "a"), r(4, "b"), r(5, "a"), r(6, "c"), r(7, "a")}
	got := chunkIDsOf(capPerItem(in, 2))
	want := []int64{1, 2, 4, 6, 3, 5, 7}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("capPerItem = %v, want %v", got, want)
	}
	if got := chunkIDsOf(capPerItem(in, 0)); fmt.Sprint(got) != "[1 2 3 4 5 6 7]" {
		t.Errorf("cap 0 changed the list: %v", got)
	}
}

// TestSearchLongDocumentDoesNotDrownShortOne: a long manual whose ten chunks all mention the
// question's words outscores, chunk by chunk, a short note that answers exactly; the note still
// makes the K passages, in both retrieval paths, and does not without the cap.
func TestSearchLongDocumentDoesNotDrownShortOne(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	manual := e.item(t, org, "file", "Printer manual")
	note := e.item(t, org, "file", "Note")
	var rows []lorebase.Chunk
	for i := 0; i < 10; i++ {
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: manual.String(), Position: i, Language: "en",
			Content: fmt.Sprintf("Section %d: the printer toner cartridge, toner levels and printer toner care.", i)})
	}
	e.addTitled(t, "Printer manual", rows...)
	e.addTitled(t, "Note", lorebase.Chunk{OrganizationID: org.String(), ItemID: note.String(), Language: "en",
		Content: "Replace the toner when the light blinks; the toner is in the supply room, next to the printer paper and the office stationery."})
	off, err := New(e.db.Pool, Config{MaxPerItem: -1})
	if err != nil {
		t.Fatal(err)
	}
	q := Query{OrganizationID: org, Text: "printer toner", Language: "en", K: 5}
	if items := itemsOf(e.searchWith(t, off, q)); items[note] {
		t.Fatalf("the note made the list without the cap: the test shows nothing")
	}
	indexed := e.indexedSearcher(t, Config{})
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		res := e.searchWith(t, s, q)
		if len(res) != 5 || !itemsOf(res)[note] {
			t.Errorf("%s: %d results, note among them: %v", name, len(res), itemsOf(res)[note])
		}
		for i, r := range res[:3] {
			if r.ItemID != manual.String() {
				t.Errorf("%s: result %d is not the manual's best chunk", name, i+1)
			}
		}
	}
}
