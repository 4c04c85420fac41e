package retrieval

import (
	"context"
	"sync"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/eval/rank"
	"github.com/lorebase/lorebase/internal/xquad"
)

type quality struct{ ndcg10, recall1, recall5, mrr10 float64 }

// TestSearchQualityXQuAD indexes XQuAD's 240 paragraphs as chunks of one organization and
// searches each of its ~1190 questions; the relevant chunk is the paragraph holding the answer.
// Floors sit a little under the measured values.
func TestSearchQualityXQuAD(t *testing.T) {
	t.Parallel()
	floors := map[string]map[string]quality{
		// measured: en lexical 0.970/0.943/0.989/0.963, vector 0.884/0.798/0.939/0.859,
		// hybrid 0.967/0.934/0.990/0.958; de lexical 0.943/0.900/0.971/0.930,
		// vector 0.828/0.724/0.892/0.796, hybrid 0.950/0.908/0.977/0.938
		// (nDCG@10, recall@1, recall@5, MRR@10; offline embedder, 384 dimensions; analyzer 2,
		// selective feedback, fusion from BM25's floor 0)
		"en": {
			ModeLexical: {ndcg10: 0.96, recall1: 0.93, recall5: 0.975, mrr10: 0.95},
			ModeVector:  {ndcg10: 0.87, recall1: 0.78, recall5: 0.925, mrr10: 0.845},
			ModeHybrid:  {ndcg10: 0.96, recall1: 0.925, recall5: 0.975, mrr10: 0.95},
		},
		"de": {
			ModeLexical: {ndcg10: 0.935, recall1: 0.89, recall5: 0.96, mrr10: 0.92},
			ModeVector:  {ndcg10: 0.815, recall1: 0.71, recall5: 0.88, mrr10: 0.78},
			ModeHybrid:  {ndcg10: 0.94, recall1: 0.895, recall5: 0.97, mrr10: 0.925},
		},
	}
	// measured: en rrf 0.949/0.903/0.976/0.935, de 0.914/0.845/0.958/0.894
	rrfFloors := map[string]quality{
		"en": {ndcg10: 0.935, recall1: 0.885, recall5: 0.96, mrr10: 0.92},
		"de": {ndcg10: 0.90, recall1: 0.825, recall5: 0.94, mrr10: 0.875},
	}
	const epsilon = 0.01 // hybrid may trail the best single retriever by this much
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			set := xquad.Load(t, lang)
			e := setup(t)
			ctx := context.Background()
			org := e.org(t)
			item := e.item(t, org, "file", "xquad")
			rows := make([]lorebase.Chunk, len(set.Paragraphs))
			for i, p := range set.Paragraphs {
				rows[i] = lorebase.Chunk{OrganizationID: org.String(), ItemID: item.String(), Position: i, Content: p, Language: lang}
			}
			e.add(t, rows...)
			// chunk ids in paragraph order
			var ids []int64
			r, err := e.db.Pool.Query(ctx, `SELECT id FROM chunks WHERE item_id = $1 ORDER BY position`, item)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var id int64
				if err := r.Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			if err := r.Err(); err != nil || len(ids) != len(set.Paragraphs) {
				t.Fatalf("read chunk ids: %v (%d)", err, len(ids))
			}
			texts := make([]string, len(set.Questions))
			for i, q := range set.Questions {
				texts[i] = q.Text
			}
			vecs, err := e.emb.Embed(ctx, texts)
			if err != nil {
				t.Fatal(err)
			}

			got := map[string]quality{}
			for _, mode := range allModes {
				got[mode] = evalMode(t, e, e.s, set, ids, vecs, Query{OrganizationID: org, Language: lang, Mode: mode, K: 10})
				m := got[mode]
				t.Logf("%s %-7s nDCG@10 %.3f  recall@1 %.3f  recall@5 %.3f  MRR@10 %.3f  (%d questions, %d chunks)",
					lang, mode, m.ndcg10, m.recall1, m.recall5, m.mrr10, len(set.Questions), len(ids))
				f := floors[lang][mode]
				if m.ndcg10 < f.ndcg10 || m.recall5 < f.recall5 || m.recall1 < f.recall1 || m.mrr10 < f.mrr10 {
					t.Errorf("%s %s below floor: got %+v, want at least %+v", lang, mode, m, f)
				}
			}
			// Plain RRF (k 60, equal weights), which the weak offline vectors drag below BM25
			// alone; that is why convex fusion is the default. It still has to work.
			rrf, err := New(e.db.Pool, Config{Fusion: FusionRRF, LexicalWeight: 1, VectorWeight: 1})
			if err != nil {
				t.Fatal(err)
			}
			m := evalMode(t, e, rrf, set, ids, vecs, Query{OrganizationID: org, Language: lang, Mode: ModeHybrid, K: 10})
			t.Logf("%s rrf     nDCG@10 %.3f  recall@1 %.3f  recall@5 %.3f  MRR@10 %.3f", lang, m.ndcg10, m.recall1, m.recall5, m.mrr10)
			if f := rrfFloors[lang]; m.ndcg10 < f.ndcg10 || m.recall5 < f.recall5 || m.recall1 < f.recall1 || m.mrr10 < f.mrr10 {
				t.Errorf("%s rrf below floor: got %+v, want at least %+v", lang, m, f)
			}

			h, l, v := got[ModeHybrid], got[ModeLexical], got[ModeVector]
			if h.ndcg10 < max(l.ndcg10, v.ndcg10)-epsilon || h.recall5 < max(l.recall5, v.recall5)-epsilon {
				t.Errorf("%s hybrid %+v trails lexical %+v or vector %+v", lang, h, l, v)
			}
		})
	}
}

// evalMode runs every question through Search in one mode, two at a time (the machine has two
// cores), and averages the metrics.
func evalMode(t *testing.T, e *env, s *Searcher, set xquad.Set, ids []int64, vecs [][]float32, base Query) quality {
	t.Helper()
	var (
		mu  sync.Mutex
		sum quality
		wg  sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				q := base
				q.Text = set.Questions[i].Text
				if q.Mode != ModeLexical {
					q.Embedding, q.EmbeddingModel = vecs[i], e.emb.Model()
				}
				res, err := s.Search(context.Background(), q)
				if err != nil {
					t.Error(err)
					continue
				}
				ranked := chunkIDsOf(res)
				rel := map[int64]bool{ids[set.Questions[i].Paragraph]: true}
				mu.Lock()
				sum.ndcg10 += rank.NDCG(ranked, rel, 10)
				sum.recall1 += rank.Recall(ranked, rel, 1)
				sum.recall5 += rank.Recall(ranked, rel, 5)
				sum.mrr10 += rank.MRR(ranked, rel, 10)
				mu.Unlock()
			}
		}()
	}
	for i := range set.Questions {
		next <- i
	}
	close(next)
	wg.Wait()
	n := float64(len(set.Questions))
	return quality{sum.ndcg10 / n, sum.recall1 / n, sum.recall5 / n, sum.mrr10 / n}
}
