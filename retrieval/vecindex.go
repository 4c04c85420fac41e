package retrieval

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// The in-process vector leg. Each organization's chunk vectors are held per (embedding model,
// dimension), one slot per vector: the sign bits of its components (48 bytes at 384
// dimensions), its components quantized to int8 with one scale (384 bytes) and its inverse norm,
// 444 bytes a vector at 384 dimensions instead of 1,536 as float32. A search makes two passes:
// the first scores every slot by a weighted disagreement of signs over the query's non-zero
// components (a disagreement on one of the query's large components costs more), popcounts
// over a few words a slot; the shortlist it ranks best (VectorShortlistFor) is rescored with the
// int8 components (over the query's support only when the query is sparse, as the offline
// embedder's are). Both passes are linear in the organization and are spread over GOMAXPROCS
// goroutines past a size (vectorParallelMin, vectorParallelRescore). The best candidates then
// go to PostgreSQL, which computes their exact cosine similarity from the stored vectors in the
// same round trip as the query's stemming: the list is exact cosine, ordered exactly; what it
// can miss is a neighbour the first pass ranks below the shortlist.
//
// (Plain Hamming distance over all sign bits was measured and rejected: the hashed vectors are
// sparse, so the sign of a zero component is noise, and a Hamming shortlist of 2,000 of 10,000
// vectors kept only 70% of the true top 10; restricted to the query's support and weighted,
// the default shortlist keeps 99% of it on the benchmark corpora.)

// Vector-leg defaults.
const (
	// VectorShortlistMin, VectorShortlistDivisor and VectorShortlistMax size the first pass's
	// survivors: n/VectorShortlistDivisor of an organization's n vectors, within the bounds, are
	// rescored with their int8 components (the bound caps the cost past 262k vectors).
	VectorShortlistMin     = 2000
	VectorShortlistDivisor = 8
	VectorShortlistMax     = 32768
	// MaxVectorBytesDefault bounds the memory of the vectors an Index holds (about 450 bytes a
	// chunk at 384 dimensions, 1.7 KB at 1536): organizations beyond it search through pgvector.
	MaxVectorBytesDefault = 2 << 30
	// vectorParallelMin is the organization size from which the first pass is spread over
	// GOMAXPROCS goroutines.
	vectorParallelMin = 32768
	// vectorParallelRescore is the shortlist from which the rescoring is spread likewise.
	vectorParallelRescore = 8192
	// vectorConcurrentMin is the organization size (vectors of the query's model) from which a
	// hybrid search runs the lexical leg beside the vector leg instead of after it. Past it the
	// vector leg takes tens of milliseconds and the lexical leg several, so running them side by
	// side saves more than the rescoring statement's round trip, which then can no longer
	// overlap the lexical scoring (below it, as on the 100k benchmark's organizations, it is the
	// other way round).
	vectorConcurrentMin = 200_000
)

// VectorShortlistFor is how many of n vectors survive the first pass.
func VectorShortlistFor(n int) int {
	return max(VectorShortlistMin, min(VectorShortlistMax, n/VectorShortlistDivisor))
}

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
	dims, words int
	docs        []uint32  // local document of each slot; deadSlot when deleted
	bits        []uint64  // sign bits (component > 0), words per slot
	codes       []int8    // the components quantized, dims per slot
	scale       []float32 // per slot: component ≈ code * scale
	invNorm     []float32 // per slot: 1 / L2 norm of the stored vector (0 for a zero vector)
	dead        int
}

func newVecSet(dims int) *vecSet { return &vecSet{dims: dims, words: (dims + 63) / 64} }

func (v *vecSet) len() int { return len(v.docs) }

// bytes is the heap the set takes.
func (v *vecSet) bytes() int64 {
	return int64(cap(v.docs))*4 + int64(cap(v.bits))*8 + int64(cap(v.codes)) + int64(cap(v.scale))*4 + int64(cap(v.invNorm))*4
}

// slotBytes is what one more vector of dims costs.
func slotBytes(dims int) int64 { return int64(dims + (dims+63)/64*8 + 12) }

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
	invNorm := float32(0)
	if norm > 0 {
		invNorm = float32(1 / math.Sqrt(norm))
	}
	v.scale = append(v.scale, scale)
	v.invNorm = append(v.invNorm, invNorm)
	base := len(v.codes)
	v.codes = slices.Grow(v.codes, v.dims)[:base+v.dims]
	wbase := len(v.bits)
	v.bits = slices.Grow(v.bits, v.words)[:wbase+v.words]
	clear(v.bits[wbase:])
	inv := float32(0)
	if scale > 0 {
		inv = 1 / scale
	}
	codes := v.codes[base : base+v.dims]
	for i, c := range x {
		q := c * inv // |q| ≤ 127 (up to rounding): round half away from zero, then clamp
		if q >= 0 {
			q += 0.5
		} else {
			q -= 0.5
		}
		codes[i] = int8(max(-127, min(127, int32(q))))
		if c > 0 {
			v.bits[wbase+i/64] |= 1 << (i % 64)
		}
	}
	return slot
}

// trim gives back the capacity that appending left unused (after a build).
func (v *vecSet) trim() {
	v.docs, v.bits, v.codes = slices.Clip(slices.Clone(v.docs)), slices.Clip(slices.Clone(v.bits)), slices.Clip(slices.Clone(v.codes))
	v.scale, v.invNorm = slices.Clip(slices.Clone(v.scale)), slices.Clip(slices.Clone(v.invNorm))
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
	n := &vecSet{dims: v.dims, words: v.words, docs: make([]uint32, 0, live), bits: make([]uint64, 0, live*v.words),
		codes: make([]int8, 0, live*v.dims), scale: make([]float32, 0, live), invNorm: make([]float32, 0, live)}
	for s, doc := range v.docs {
		if doc == deadSlot {
			continue
		}
		moved(doc, uint32(len(n.docs)))
		n.docs = append(n.docs, doc)
		n.bits = append(n.bits, v.bits[s*v.words:(s+1)*v.words]...)
		n.codes = append(n.codes, v.codes[s*v.dims:(s+1)*v.dims]...)
		n.scale = append(n.scale, v.scale[s])
		n.invNorm = append(n.invNorm, v.invNorm[s])
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

// scratch is a search's reusable memory: the first pass's distances and histograms.
type scratch struct {
	dist  []uint16
	hists [][]int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// hist returns the i-th histogram of length n, cleared.
func (sc *scratch) hist(i, n int) []int32 {
	for len(sc.hists) <= i {
		sc.hists = append(sc.hists, nil)
	}
	h := slices.Grow(sc.hists[i][:0], n)[:n]
	clear(h)
	sc.hists[i] = h
	return h
}

// excluded is the first-pass distance of slots a search must not return.
const excluded = math.MaxUint16

// search returns the chunk ids of the best keep vectors for q by int8 similarity, best first,
// among the slots whose documents pass f. The first pass ranks every slot by the number of the
// query's non-zero components whose sign it does not share (a Hamming distance over the query's
// support); the shortlist best (0: VectorShortlistFor(n)), with all tied with the last, are
// rescored with their int8 components. The caller holds the organization's lock for reading.
func (v *vecSet) search(docs []docInfo, q []float32, f lexFilter, shortlist, keep int) []int64 {
	return v.searchOn(docs, q, f, shortlist, keep, runtime.GOMAXPROCS(0))
}

// searchOn is search with its passes spread over procs goroutines (from vectorParallelMin
// slots for the first pass, from vectorParallelRescore shortlisted slots for the rescoring):
// contiguous ranges of slots, the histograms summed and the per-range best merged under the
// same total order (similarity, then chunk id), so the answer does not depend on procs.
func (v *vecSet) searchOn(docs []docInfo, q []float32, f lexFilter, shortlist, keep, procs int) []int64 {
	n := len(v.docs)
	if n == 0 || keep <= 0 || len(q) != v.dims {
		return nil
	}
	// The query's sign bits, and its support in three tiers by magnitude (weights 4, 2, 1: a
	// disagreement on a large component costs more), so the pass ranks by a coarse weighted
	// dot product rather than a plain count.
	qbits := make([]uint64, v.words)
	var tiers [3][]uint64
	for t := range tiers {
		tiers[t] = make([]uint64, v.words)
	}
	var qn, maxAbs float64
	for _, c := range q {
		qn += float64(c) * float64(c)
		maxAbs = max(maxAbs, math.Abs(float64(c)))
	}
	if qn == 0 {
		return nil
	}
	for i, c := range q {
		if c > 0 {
			qbits[i/64] |= 1 << (i % 64)
		}
		a := math.Abs(float64(c))
		switch {
		case a == 0:
		case a >= maxAbs/2:
			tiers[0][i/64] |= 1 << (i % 64)
		case a >= maxAbs/4:
			tiers[1][i/64] |= 1 << (i % 64)
		default:
			tiers[2][i/64] |= 1 << (i % 64)
		}
	}
	filtered := f.assistant != [16]byte{} || f.qaOnly || f.textOnly
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	dist := slices.Grow(sc.dist[:0], n)[:n]
	sc.dist = dist
	histLen := 7*v.dims + 2
	hist := sc.hist(0, histLen)
	qw := make([]queryWord, v.words)
	for i := range qw {
		qw[i] = queryWord{sign: qbits[i], t0: tiers[0][i], t1: tiers[1][i], t2: tiers[2][i]}
	}
	pass := func(lo, hi int, h []int32) {
		w := v.words
		for s := lo; s < hi; s++ {
			doc := v.docs[s]
			if doc == deadSlot || (filtered && !f.pass(&docs[doc])) {
				dist[s] = excluded
				continue
			}
			d := weightedDisagreement(v.bits[s*w:s*w+w], qw)
			dist[s] = uint16(d)
			h[d]++
		}
	}
	if n < vectorParallelMin || procs < 2 {
		pass(0, n, hist)
	} else {
		var wg sync.WaitGroup
		hs := make([][]int32, procs)
		step := (n + procs - 1) / procs
		for p := range procs {
			hs[p] = sc.hist(p+1, histLen)
			lo, hi := p*step, min(n, (p+1)*step)
			if lo >= hi {
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); pass(lo, hi, hs[p]) }()
		}
		wg.Wait()
		for _, h := range hs {
			for i, c := range h {
				hist[i] += c
			}
		}
	}
	// The distance at which the shortlist is full; every slot at or below it is rescored.
	want := shortlist
	if want <= 0 {
		want = VectorShortlistFor(n)
	}
	want = max(want, keep)
	cut, acc := len(hist)-1, 0
	for d, c := range hist {
		acc += int(c)
		if acc >= want {
			cut = d
			break
		}
	}
	// The query as int16 (its rounding, 1/65534 of its largest component, is far below the
	// documents' int8 rounding), so the rescoring is integer multiply-adds.
	// A sparse query (the offline embedder's have a hundred or so non-zero components of 384)
	// is multiplied on its support only.
	q16 := make([]int16, len(q))
	qscale := float32(maxAbs / 32767)
	var support []uint16
	var sq []int16
	for i, c := range q {
		q16[i] = int16(math.Round(float64(c) / float64(qscale)))
		if q16[i] != 0 {
			support = append(support, uint16(i))
			sq = append(sq, q16[i])
		}
	}
	sparse := len(support)*2 < len(q)
	rescore := func(lo, hi int, h *candHeap) {
		for s := lo; s < hi; s++ {
			if d := dist[s]; int(d) > cut || d == excluded {
				continue
			}
			code := v.codes[s*v.dims : (s+1)*v.dims]
			var dot int64
			if sparse {
				dot = dotSparseInt8(support, sq, code)
			} else {
				dot = dotInt8(q16, code)
			}
			sim := float32(dot) * qscale * v.scale[s] * v.invNorm[s]
			if h.full() && sim < h.items[0].sim {
				continue
			}
			h.offer(vecCand{slot: uint32(s), chunk: docs[v.docs[s]].chunkID, sim: sim})
		}
	}
	var cands []vecCand
	if acc < vectorParallelRescore || procs < 2 {
		h := &candHeap{k: keep}
		rescore(0, n, h)
		cands = h.items
	} else {
		var wg sync.WaitGroup
		heaps := make([]*candHeap, procs)
		step := (n + procs - 1) / procs
		for p := range procs {
			heaps[p] = &candHeap{k: keep}
			lo, hi := p*step, min(n, (p+1)*step)
			wg.Add(1)
			go func() { defer wg.Done(); rescore(lo, hi, heaps[p]) }()
		}
		wg.Wait()
		for _, h := range heaps {
			cands = append(cands, h.items...)
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

// dotInt8 is Σ q[i]·c[i] in integers, unrolled by eight (the compiler does not vectorise). It
// cannot overflow: |q| ≤ 32767, |c| ≤ 127, at most MaxDims terms.
func dotInt8(q []int16, c []int8) int64 {
	c = c[:len(q)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+8 <= len(q); i += 8 {
		qq, cc := q[i:i+8:i+8], c[i:i+8:i+8]
		s0 += int32(qq[0])*int32(cc[0]) + int32(qq[4])*int32(cc[4])
		s1 += int32(qq[1])*int32(cc[1]) + int32(qq[5])*int32(cc[5])
		s2 += int32(qq[2])*int32(cc[2]) + int32(qq[6])*int32(cc[6])
		s3 += int32(qq[3])*int32(cc[3]) + int32(qq[7])*int32(cc[7])
	}
	for ; i < len(q); i++ {
		s0 += int32(q[i]) * int32(c[i])
	}
	return int64(s0) + int64(s1) + int64(s2) + int64(s3)
}

// queryWord is one word of the query's sign bits and support tiers.
type queryWord struct{ sign, t0, t1, t2 uint64 }

// weightedDisagreement is Σ over the query's support of the tier weight (4, 2, 1) of each
// component whose sign b does not share.
func weightedDisagreement(b []uint64, qw []queryWord) int {
	qw = qw[:len(b)]
	d := 0
	for i, x := range b {
		w := &qw[i]
		off := x ^ w.sign
		d += 4*bits.OnesCount64(off&w.t0) + 2*bits.OnesCount64(off&w.t1) + bits.OnesCount64(off&w.t2)
	}
	return d
}

// dotSparseInt8 is dotInt8 over the query's support: idx the components, q their values.
func dotSparseInt8(idx []uint16, q []int16, c []int8) int64 {
	q = q[:len(idx)]
	var s0, s1 int32
	i := 0
	for ; i+2 <= len(idx); i += 2 {
		s0 += int32(q[i]) * int32(c[idx[i]])
		s1 += int32(q[i+1]) * int32(c[idx[i+1]])
	}
	if i < len(idx) {
		s0 += int32(q[i]) * int32(c[idx[i]])
	}
	return int64(s0) + int64(s1)
}
