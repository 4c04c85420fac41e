package retrieval

import "sort"

// Fusion methods.
const (
	// FusionConvex adds the min-max normalised scores of both lists, weighted. It is the default:
	// on XQuAD with the offline embedder it is the only fusion measured that does not lose to
	// BM25 alone (en nDCG@10 0.970 vs 0.971, de 0.951 vs 0.945), where RRF at equal weights
	// loses 2-3 points, and Bruch et al. (2023, "An Analysis of Fusion Functions for Hybrid
	// Retrieval") found it at least as good as RRF with a real embedding model too.
	FusionConvex = "convex"
	// FusionRRF is weighted reciprocal rank fusion: w/(k+rank) summed over the lists.
	FusionRRF = "rrf"
)

// Fusion defaults. The weights suit a weak embedder (the offline hashing one); with a real
// embedding model, move weight to the vector list (0.5/0.5 or more). They were checked on dev
// data with the offline embedder (README, evaluation): 0.8/0.2 scored .4 points of nDCG@10
// better on NFCorpus's dev queries and .1-.2 on XQuAD, but 2 points worse on faq-dev's pair
// ranking, so 0.7/0.3 stays.
const (
	FusionDefault        = FusionConvex
	LexicalWeightDefault = 0.7
	VectorWeightDefault  = 0.3
	// RRFKDefault is the RRF constant of Cormack et al. (2009): large enough that the first
	// ranks of one list do not drown the other.
	RRFKDefault = 60
)

// fused is one chunk after fusion, with its place in each list (0 = absent).
type fused struct {
	chunkID      int64
	score        float64
	lexicalScore float64
	vectorScore  float64
	lexicalRank  int
	vectorRank   int
}

// fusion says how to merge the lists.
type fusion struct {
	method     string
	k          float64 // RRF only
	wLex, wVec float64
}

// fuse merges two best-first lists; a list the chunk is absent from adds nothing. Ties go to
// the better lexical rank, then the better vector rank, then the lower chunk id, so results
// are deterministic.
func fuse(lexical, vector []scored, f fusion) []fused {
	byID := make(map[int64]*fused, len(lexical)+len(vector))
	out := make([]*fused, 0, len(lexical)+len(vector))
	get := func(id int64) *fused {
		x, ok := byID[id]
		if !ok {
			x = &fused{chunkID: id}
			byID[id] = x
			out = append(out, x)
		}
		return x
	}
	lexContrib := contributions(lexical, f, f.wLex, true)
	for i, c := range lexical {
		x := get(c.chunkID)
		x.lexicalRank, x.lexicalScore = i+1, c.score
		x.score += lexContrib[i]
	}
	vecContrib := contributions(vector, f, f.wVec, false)
	for i, c := range vector {
		x := get(c.chunkID)
		x.vectorRank, x.vectorScore = i+1, c.score
		x.score += vecContrib[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if ra, rb := rankKey(a.lexicalRank), rankKey(b.lexicalRank); ra != rb {
			return ra < rb
		}
		if ra, rb := rankKey(a.vectorRank), rankKey(b.vectorRank); ra != rb {
			return ra < rb
		}
		return a.chunkID < b.chunkID
	})
	res := make([]fused, len(out))
	for i, x := range out {
		res[i] = *x
	}
	return res
}

// contributions is what each entry of one best-first list adds to its chunk's fused score.
// Convex fusion normalises by the list's own best score because BM25 is unbounded and shifts
// with the corpus and the query length: the list's best gets w. The floor is BM25's own, 0 (a
// chunk that matched nothing), for the lexical list (zeroFloor), and the list's worst score
// for the vector list, whose every chunk has some similarity. With the lexical list's worst
// as its floor, as before, the last chunk that matched the query got no lexical credit at all
// and tied with chunks the vector list merely brought along: when a question matched three
// chunks, the third was lost among vector neighbours (NFCorpus dev nDCG@10 .295 → .301, XQuAD de
// .956 → .957). A list whose scores are all equal gives each entry w.
func contributions(list []scored, f fusion, w float64, zeroFloor bool) []float64 {
	out := make([]float64, len(list))
	if len(list) == 0 {
		return out
	}
	if f.method == FusionRRF {
		for i := range list {
			out[i] = w / (f.k + float64(i+1))
		}
		return out
	}
	hi, lo := list[0].score, list[0].score
	for _, c := range list {
		hi, lo = max(hi, c.score), min(lo, c.score)
	}
	if zeroFloor {
		lo = min(lo, 0)
	}
	for i, c := range list {
		if hi > lo {
			out[i] = w * (c.score - lo) / (hi - lo)
		} else {
			out[i] = w
		}
	}
	return out
}

// rankKey orders absent (0) after every real rank.
func rankKey(r int) int {
	if r == 0 {
		return int(^uint(0) >> 1)
	}
	return r
}
