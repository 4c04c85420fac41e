package retrieval

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store/storetest"
)

// env is one test's database with an indexer, a searcher and the offline embedder.
type env struct {
	db  *storetest.DB
	ix  *Indexer
	s   *Searcher
	emb *offline.Embedder
}

func setup(t testing.TB) *env {
	t.Helper()
	db := storetest.New(t)
	s, err := New(db.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: db, ix: NewIndexer(), s: s, emb: offline.NewEmbedder(storetest.VectorDims)}
}

func (e *env) org(t testing.TB) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO organizations (id, name) VALUES ($1, 'test')`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) item(t testing.TB, org uuid.UUID, typ, title string, assistants ...uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if assistants == nil {
		assistants = []uuid.UUID{}
	}
	_, err := e.db.Pool.Exec(context.Background(),
		`INSERT INTO knowledge_items (id, organization_id, type, title, assistant_ids) VALUES ($1, $2, $3, $4, $5)`,
		id, org, typ, title, assistants)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// add embeds rows that have no vector and inserts them in one committed transaction.
func (e *env) add(t testing.TB, rows ...lorebase.Chunk) {
	t.Helper()
	ctx := context.Background()
	var texts []string
	var idx []int
	for i, r := range rows {
		if r.Embedding == nil {
			texts = append(texts, r.Content)
			idx = append(idx, i)
		}
	}
	vecs, err := e.emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for j, i := range idx {
		rows[i].Embedding, rows[i].EmbeddingModel = vecs[j], e.emb.Model()
	}
	tx, err := e.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if err := e.ix.Insert(ctx, tx, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// search embeds the query text unless the test set a vector or asked for lexical only.
func (e *env) search(t testing.TB, q Query) []Result {
	t.Helper()
	if q.Embedding == nil && q.Mode != ModeLexical {
		v, err := e.emb.Embed(context.Background(), []string{q.Text})
		if err != nil {
			t.Fatal(err)
		}
		q.Embedding, q.EmbeddingModel = v[0], e.emb.Model()
	}
	res, err := e.s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Text, err)
	}
	return res
}

func chunkIDsOf(res []Result) []int64 {
	out := make([]int64, len(res))
	for i, r := range res {
		out[i] = r.ID
	}
	return out
}

func itemsOf(res []Result) map[uuid.UUID]bool {
	m := map[uuid.UUID]bool{}
	for _, r := range res {
		m[uuid.MustParse(r.ItemID)] = true
	}
	return m
}

// searchWith runs q on another Searcher over the same database.
func (e *env) searchWith(t testing.TB, s *Searcher, q Query) []Result {
	t.Helper()
	saved := e.s
	defer func() { e.s = saved }()
	e.s = s
	return e.search(t, q)
}
