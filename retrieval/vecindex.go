package retrieval

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
)

// The in-process vector leg. Each organization's chunk vectors are held per (embedding model,
// dimension) as int8 components with one scale per vector (scalar quantization: 384 bytes and
// 12 bytes of bookkeeping a vector at 384 dimensions instead of 1,536 as float32), stored by
// dimension (one column of n bytes per component) rather than by vector. A search scores every
// vector of the organization on the query's largest components only: a column per component,
// read sequentially, so its cost is n times the number of components probed. Queries of the
// offline embedder (signed feature hashing) have a few dozen non-zero components at most, and a
// probe of all of them is the full int8 dot product: an exact scan up to the quantization.
// Dense queries (neural embedding models) probe their VectorProbeDims largest components, and
// the shortlist that pass ranks best is rescored on every component. The best candidates then
// go to PostgreSQL, which computes their exact cosine similarity from the stored vectors in the
// same round trip as the query's stemming: the list is exact cosine, ordered exactly; what it
// can miss is a neighbour the int8 passes rank too low.
//
// (Sign bits as a first pass were measured and rejected: the hashed vectors are sparse, so the
// sign of a zero component is noise, and a Hamming shortlist of 2,000 of 10,000 vectors kept
// only 70% of the true top 10.)

// Vector-leg defaults.
const (
	// VectorProbeDims is how many of a dense query's largest components the first pass scores.
	VectorProbeDims = 64
	// VectorShortlistMin and VectorShortlistDivisor size a dense query's first-pass survivors:
	// max(VectorShortlistMin, n/VectorShortlistDivisor) of an organization's n vectors are
	// rescored on every component.
	VectorShortlistMin     = 2000
	VectorShortlistDivisor = 16
	// MaxVectorBytesDefault bounds the memory of the vectors an Index holds (about 400 bytes a
	// chunk at 384 dimensions, 1.6 KB at 1536): organizations beyond it search through pgvector.
	MaxVectorBytesDefault = 2 << 30
	// vectorTile is how many slots a pass scores at a time (the accumulators stay in L1), and
	// vectorParallelMin the organization size from which tiles are spread over GOMAXPROCS.
	vectorTile        = 2048
	vectorParallelMin = 32768
)

// VectorShortlistFor is how many of n vectors survive a dense query's first pass.
func VectorShortlistFor(n int) int { return max(VectorShortlistMin, n/VectorShortlistDivisor) }

// vectorRescoreFor is how many int8-ranked candidates get their exact similarity from the
// database for a list of limit: enough margin that the int8 rounding (about 1e-3 of cosine)
// cannot push one of the exact top limit out.
func vectorRescoreFor(limit int) int { return limit + max(16, limit/2) }

// vecKey identifies comparable vectors: same model, same dimension.
type vecKey struct {
	model string
	dims  int
}

// deadSlot marks a deleted vector's slot until the set is compacted.
const deadSlot = math.MaxUint32

// vecSet is one organization's vectors of one model and dimension, in slots.
type vecSet struct {
	dims    int
	docs    []uint32  // local document of each slot; deadSlot when deleted
	cols    [][]int8  // cols[d][slot]: component d of each vector, quantized
	scale   []float32 // per slot: component ≈ code * scale
	invNorm []float32 // per slot: 1 / L2 norm of the stored vector (0 for a zero vector)
	dead    int
}

func newVecSet(dims int) *vecSet { return &vecSet{dims: dims, cols: make([][]int8, dims)} }

func (v *vecSet) len() int { return len(v.docs) }

// bytes is the heap the set takes.
func (v *vecSet) bytes() int64 {
	n := int64(cap(v.docs))*4 + int64(cap(v.scale))*4 + int64(cap(v.invNorm))*4
	for _, c := range v.cols {
		n += int64(cap(c))
	}
	return n
}

// slotBytes is what one more vector of dims costs.
func slotBytes(dims int) int64 { return int64(dims + 12) }

// add quantizes x into a new slot and returns it.
func (v *vecSet) add(doc uint32, x []float32) uint32 {
	slot := uint32(len(v.docs))
	v.docs = append(v.docs, doc)
	var maxAbs, norm float64
	for _, c := range x {
		maxAbs = max(maxAbs, math.Abs(float64(c)))
		norm += float64(c) * float64(c)
	}
	scale := float32(maxAbs / 127)
	inv := float32(0)
	if norm > 0 {
		inv = float32(1 / math.Sqrt(norm))
	}
	v.scale = append(v.scale, scale)
	v.invNorm = append(v.invNorm, inv)
	for i, c := range x {
		q := 0.0
		if scale > 0 {
			q = math.Round(float64(c) / float64(scale))
		}
		v.cols[i] = append(v.cols[i], int8(max(-127, min(127, q))))
	}
	return slot
}

// remove frees a slot (it stays as a tombstone until compact).
func (v *vecSet) remove(slot uint32) {
	if int(slot) < len(v.docs) && v.docs[slot] != deadSlot {
		v.docs[slot] = deadSlot
		v.dead++
	}
}

// needsCompaction: a quarter of the slots are tombstones, and enough of them to be worth it.
func (v *vecSet) needsCompaction() bool { return v.dead > 256 && v.dead*4 > len(v.docs) }

// compact drops the tombstones; moved(doc, slot) tells the owner each live vector's new slot.
func (v *vecSet) compact(moved func(doc, slot uint32)) {
	live := len(v.docs) - v.dead
	n := &vecSet{dims: v.dims, cols: make([][]int8, v.dims), docs: make([]uint32, 0, live),
		scale: make([]float32, 0, live), invNorm: make([]float32, 0, live)}
	keep := make([]int, 0, live)
	for s, doc := range v.docs {
		if doc == deadSlot {
			continue
		}
		moved(doc, uint32(len(n.docs)))
		keep = append(keep, s)
		n.docs = append(n.docs, doc)
		n.scale = append(n.scale, v.scale[s])
		n.invNorm = append(n.invNorm, v.invNorm[s])
	}
	for d, col := range v.cols {
		c := make([]int8, len(keep))
		for i, s := range keep {
			c[i] = col[s]
		}
		n.cols[d] = c
	}
	*v = *n
}

// decodeVector parses pgvector's binary format (dimension, unused, big-endian float32s) into
// dst, reusing it.
func decodeVector(src []byte, dst []float32) ([]float32, error) {
	if len(src) < 4 {
		return nil, errors.New("vector: short binary value")
	}
	dim := int(binary.BigEndian.Uint16(src[0:2]))
	if len(src) != 4+4*dim {
		return nil, errors.New("vector: binary value of the wrong length")
	}
	dst = slices.Grow(dst[:0], dim)[:dim]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.BigEndian.Uint32(src[4+4*i:]))
	}
	return dst, nil
}

// vecCand is a candidate of the vector leg with its approximate similarity.
type vecCand struct {
	slot  uint32
	chunk int64
	sim   float32
}

// better orders candidates: higher similarity, then smaller chunk id (as the SQL list).
func (a vecCand) better(b vecCand) bool {
	if a.sim != b.sim {
		return a.sim > b.sim
	}
	return a.chunk < b.chunk
}

// candHeap keeps the best k candidates: a min-heap on better.
type candHeap struct {
	k     int
	items []vecCand
}

func (h *candHeap) offer(c vecCand) {
	if len(h.items) < h.k {
		h.items = append(h.items, c)
		for i := len(h.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.items[p].better(h.items[i]) {
				break
			}
			h.items[p], h.items[i] = h.items[i], h.items[p]
			i = p
		}
		return
	}
	if !c.better(h.items[0]) {
		return
	}
	h.items[0] = c
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.items) && h.items[m].better(h.items[l]) {
			m = l
		}
		if r < len(h.items) && h.items[m].better(h.items[r]) {
			m = r
		}
		if m == i {
			break
		}
		h.items[m], h.items[i] = h.items[i], h.items[m]
		i = m
	}
}

// floor is the similarity a candidate must beat once the heap is full.
func (h *candHeap) full() bool { return len(h.items) >= h.k }

// search returns the chunk ids of the best keep vectors for q by int8 similarity, best first,
// among the slots whose documents pass f. A query with at most probeDims (0: VectorProbeDims)
// non-zero components is scored on all of them in one pass; a denser one is scored on its
// probeDims largest, and the shortlist best (0: VectorShortlistFor(n)) of that pass are
// rescored on every component. The caller holds the organization's lock for reading.
func (v *vecSet) search(docs []docInfo, q []float32, f lexFilter, probeDims, shortlist, keep int) []int64 {
	n := len(v.docs)
	if n == 0 || keep <= 0 || len(q) != v.dims {
		return nil
	}
	probe := make([]int, 0, v.dims)
	for d, c := range q {
		if c != 0 {
			probe = append(probe, d)
		}
	}
	if len(probe) == 0 {
		return nil
	}
	if probeDims <= 0 {
		probeDims = VectorProbeDims
	}
	exact := len(probe) <= probeDims
	want := keep
	if !exact {
		slices.SortFunc(probe, func(a, b int) int { return cmp.Compare(math.Abs(float64(q[b])), math.Abs(float64(q[a]))) })
		probe = probe[:probeDims]
		want = shortlist
		if want <= 0 {
			want = VectorShortlistFor(n)
		}
		want = max(want, keep)
	}
	filtered := f.assistant != [16]byte{} || f.qaOnly || f.textOnly
	// scan scores the tiles from lo to hi into h.
	scan := func(lo, hi int, h *candHeap) {
		acc := make([]float32, vectorTile)
		for t := lo; t < hi; t += vectorTile {
			te := min(hi, t+vectorTile)
			a := acc[:te-t]
			clear(a)
			for _, d := range probe {
				qd := q[d]
				col := v.cols[d][t:te]
				a := a[:len(col)]
				for j, c := range col {
					a[j] += qd * float32(c)
				}
			}
			for j, sum := range a {
				s := t + j
				doc := v.docs[s]
				if doc == deadSlot || (filtered && !f.pass(&docs[doc])) {
					continue
				}
				sim := sum * v.scale[s] * v.invNorm[s]
				if h.full() && sim < h.items[0].sim {
					continue
				}
				h.offer(vecCand{slot: uint32(s), chunk: docs[doc].chunkID, sim: sim})
			}
		}
	}
	procs := runtime.GOMAXPROCS(0)
	var cands []vecCand
	if n < vectorParallelMin || procs < 2 {
		h := &candHeap{k: want}
		scan(0, n, h)
		cands = h.items
	} else {
		tiles := (n + vectorTile - 1) / vectorTile
		per := (tiles + procs - 1) / procs
		heaps := make([]*candHeap, procs)
		var wg sync.WaitGroup
		for p := range procs {
			heaps[p] = &candHeap{k: want}
			lo, hi := p*per*vectorTile, min(n, (p+1)*per*vectorTile)
			if lo >= hi {
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); scan(lo, hi, heaps[p]) }()
		}
		wg.Wait()
		for _, h := range heaps {
			cands = append(cands, h.items...)
		}
	}
	if !exact {
		// Rescore the shortlist on every component, column by column in slot order.
		slices.SortFunc(cands, func(a, b vecCand) int { return cmp.Compare(a.slot, b.slot) })
		sums := make([]float32, len(cands))
		for d, col := range v.cols {
			qd := q[d]
			if qd == 0 {
				continue
			}
			for i, c := range cands {
				sums[i] += qd * float32(col[c.slot])
			}
		}
		for i := range cands {
			cands[i].sim = sums[i] * v.scale[cands[i].slot] * v.invNorm[cands[i].slot]
		}
	}
	slices.SortFunc(cands, func(a, b vecCand) int {
		if a.better(b) {
			return -1
		}
		if b.better(a) {
			return 1
		}
		return 0
	})
	cands = cands[:min(keep, len(cands))]
	out := make([]int64, len(cands))
	for i, c := range cands {
		out[i] = c.chunk
	}
	return out
}
