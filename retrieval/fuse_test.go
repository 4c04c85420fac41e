package retrieval

import (
	"math"
	"testing"
)

func TestFuseRRF(t *testing.T) {
	lex := []scored{{1, 9.5}, {2, 7.0}, {3, 1.2}}
	vec := []scored{{3, 0.91}, {4, 0.80}}
	got := fuse(lex, vec, fusion{method: FusionRRF, k: 60, wLex: 1, wVec: 1})
	// 3: 1/63 + 1/61 = 0.032266; 1: 1/61 = 0.016393; 4: 1/62 = 0.016129; 2: 1/62 = 0.016129,
	// tie with 4 broken by the lexical rank.
	want := []struct {
		id       int64
		score    float64
		lex, vec int
	}{{3, 1.0/63 + 1.0/61, 3, 1}, {1, 1.0 / 61, 1, 0}, {2, 1.0 / 62, 2, 0}, {4, 1.0 / 62, 0, 2}}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.chunkID != w.id || math.Abs(g.score-w.score) > 1e-12 || g.lexicalRank != w.lex || g.vectorRank != w.vec {
			t.Errorf("#%d: got %+v, want %+v", i, g, w)
		}
	}
	if got[0].lexicalScore != 1.2 || got[0].vectorScore != 0.91 {
		t.Errorf("raw scores not kept: %+v", got[0])
	}
}

func TestFuseConvex(t *testing.T) {
	lex := []scored{{1, 10}, {2, 6}, {3, 2}} // normalised from BM25's floor 0: 1, 0.6, 0.2
	vec := []scored{{2, 0.9}, {4, 0.5}}      // normalised from the list's worst: 1, 0
	got := fuse(lex, vec, fusion{method: FusionConvex, wLex: 0.7, wVec: 0.3})
	// 2: 0.42 + 0.3 = 0.72; 1: 0.7; 3: 0.14 (a lexical match keeps its credit); 4: 0
	wantIDs := []int64{2, 1, 3, 4}
	wantScores := []float64{0.72, 0.7, 0.14, 0}
	for i := range wantIDs {
		if got[i].chunkID != wantIDs[i] || math.Abs(got[i].score-wantScores[i]) > 1e-12 {
			t.Errorf("#%d: got %d %.3f, want %d %.3f", i, got[i].chunkID, got[i].score, wantIDs[i], wantScores[i])
		}
	}
	// one list only, all scores equal: every entry gets the full weight (from the floor 0), order kept
	got = fuse([]scored{{5, 3}, {6, 3}}, nil, fusion{method: FusionConvex, wLex: 0.7, wVec: 0.3})
	if got[0].chunkID != 5 || math.Abs(got[0].score-0.7) > 1e-12 || math.Abs(got[1].score-0.7) > 1e-12 {
		t.Errorf("equal scores: got %+v", got)
	}
	if got := fuse(nil, nil, fusion{method: FusionConvex}); len(got) != 0 {
		t.Errorf("empty lists: got %+v", got)
	}
}
