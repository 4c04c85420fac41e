package retrieval

import (
	"container/heap"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/lorebase/lorebase"
)

// blockSize is the number of postings per block of a postings list. Each block keeps the
// largest tf and the smallest chunk length of its postings, which bound the BM25 contribution
// of any posting in it, so a search skips a block whose bound cannot lift a chunk into the list.
const blockSize = 128

// postings is one term's list in one organization, in local document order (arrival order).
// Deleted documents stay in the list as tombstones until too many accumulate, then the list is
// rewritten.
type postings struct {
	docs   []uint32
	tfs    []uint16
	blocks []blockMax // one per blockSize postings
	maxTF  uint16     // over the whole list: the list's upper bound
	minLen int32
	df     int // live postings
	dead   int // postings of deleted documents still in docs
}

type blockMax struct {
	last   uint32 // the block's last document
	maxTF  uint16
	minLen int32
}

func (p *postings) add(doc uint32, tf uint16, docLen int32) {
	i := len(p.docs)
	p.docs = append(p.docs, doc)
	p.tfs = append(p.tfs, tf)
	p.df++
	if i%blockSize == 0 {
		p.blocks = append(p.blocks, blockMax{last: doc, maxTF: tf, minLen: docLen})
	} else {
		b := &p.blocks[len(p.blocks)-1]
		b.last, b.maxTF, b.minLen = doc, max(b.maxTF, tf), min(b.minLen, docLen)
	}
	if i == 0 {
		p.maxTF, p.minLen = tf, docLen
	} else {
		p.maxTF, p.minLen = max(p.maxTF, tf), min(p.minLen, docLen)
	}
}

// docInfo is what a search needs of a chunk besides its postings: the filters and the length.
type docInfo struct {
	chunkID    int64
	docLen     int32
	qa         bool
	deleted    bool
	assistants []uuid.UUID
	terms      []uint32 // term ids, to maintain df and tombstones when the chunk goes
	config     string
	vset       *vecSet // the chunk's vector, when the index holds it
	vslot      uint32
}

// orgIndex is one organization's lexical index. Searches hold mu for reading; the change feed
// takes it for writing while it applies a batch.
type orgIndex struct {
	mu       sync.RWMutex
	dict     map[string]uint32
	lists    []*postings
	docs     []docInfo
	byChunk  map[int64]uint32
	live     int64
	totalLen int64
	configs  map[string]int64 // live chunks per text search configuration
	dead     int
	rewrites int   // lists rewritten without their tombstones
	seq      int64 // the largest chunk_changes seq of the organization applied (or in the build's snapshot)
	// vecs holds the organization's vectors by model and dimension when vecsHeld; otherwise
	// (vectors disabled, or beyond the Index's memory bound) the vector leg runs in pgvector.
	vecs     map[vecKey]*vecSet
	vecsHeld bool
}

func newOrgIndex() *orgIndex {
	return &orgIndex{dict: map[string]uint32{}, byChunk: map[int64]uint32{}, configs: map[string]int64{}, vecs: map[vecKey]*vecSet{}}
}

// addVector stores a chunk's vector with its document. The caller holds mu for writing.
func (o *orgIndex) addVector(doc uint32, key vecKey, x []float32) {
	d := &o.docs[doc]
	if d.vset != nil || len(x) != key.dims || key.dims == 0 {
		return
	}
	vs := o.vecs[key]
	if vs == nil {
		vs = newVecSet(key.dims)
		o.vecs[key] = vs
	}
	d.vset, d.vslot = vs, vs.add(doc, x)
}

// vectorCount is how many live vectors of the model and dimension the organization holds.
func (o *orgIndex) vectorCount(model string, dims int) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if vs := o.vecs[vecKey{model: model, dims: dims}]; vs != nil {
		return vs.len() - vs.dead
	}
	return 0
}

// vectorBytes is the heap the organization's vectors take.
func (o *orgIndex) vectorBytes() int64 {
	var n int64
	for _, vs := range o.vecs {
		n += vs.bytes()
	}
	return n
}

// dropVectors stops holding the organization's vectors (searches use pgvector for it).
func (o *orgIndex) dropVectors() {
	for i := range o.docs {
		o.docs[i].vset = nil
	}
	o.vecs = map[vecKey]*vecSet{}
	o.vecsHeld = false
}

// chunkTerm is one posting as loaded from chunk_terms.
type chunkTerm struct {
	term string
	tf   int32
}

// addDoc appends a chunk; its terms must be distinct. The caller holds mu for writing.
func (o *orgIndex) addDoc(d docInfo, terms []chunkTerm) (uint32, bool) {
	if _, ok := o.byChunk[d.chunkID]; ok {
		return 0, false
	}
	id := uint32(len(o.docs))
	d.terms = make([]uint32, 0, len(terms))
	for _, t := range terms {
		tid := o.termID(t.term)
		o.lists[tid].add(id, clampTF(t.tf), d.docLen)
		d.terms = append(d.terms, tid)
	}
	o.docs = append(o.docs, d)
	o.byChunk[d.chunkID] = id
	o.live++
	o.totalLen += int64(d.docLen)
	o.configs[d.config]++
	return id, true
}

func (o *orgIndex) termID(term string) uint32 {
	tid, ok := o.dict[term]
	if !ok {
		tid = uint32(len(o.lists))
		o.dict[term] = tid
		o.lists = append(o.lists, &postings{})
	}
	return tid
}

func clampTF(tf int32) uint16 {
	return uint16(min(max(tf, 0), math.MaxUint16))
}

// removeChunk marks a chunk deleted and rewrites the lists where tombstones pile up. The caller
// holds mu for writing.
func (o *orgIndex) removeChunk(chunkID int64) bool {
	id, ok := o.byChunk[chunkID]
	if !ok {
		return false
	}
	delete(o.byChunk, chunkID)
	d := &o.docs[id]
	d.deleted = true
	o.live--
	o.totalLen -= int64(d.docLen)
	if o.configs[d.config]--; o.configs[d.config] <= 0 {
		delete(o.configs, d.config)
	}
	o.dead++
	for _, tid := range d.terms {
		p := o.lists[tid]
		p.df--
		p.dead++
		if p.dead > 32 && p.dead*4 > len(p.docs) {
			o.compact(p)
		}
	}
	d.terms, d.assistants = nil, nil
	if vs := d.vset; vs != nil {
		vs.remove(d.vslot)
		d.vset = nil
		if vs.needsCompaction() {
			vs.compact(func(doc, slot uint32) { o.docs[doc].vslot = slot })
		}
	}
	return true
}

// needsDocCompaction: deleted chunks hold a quarter of the document slots, and many of them.
func (o *orgIndex) needsDocCompaction() bool { return o.dead > 1024 && o.dead*4 > len(o.docs) }

// compactDocs renumbers the live documents densely (in their order, so every postings list stays
// sorted) and rewrites the postings lists and vector slots to the new numbers: deleted chunks
// then cost nothing until the next deletions. One pass over the organization's postings, under
// its write lock (the caller holds it).
func (o *orgIndex) compactDocs() {
	renum := make([]uint32, len(o.docs))
	docs := make([]docInfo, 0, len(o.docs)-o.dead)
	for i := range o.docs {
		if o.docs[i].deleted {
			renum[i] = endDoc
			continue
		}
		renum[i] = uint32(len(docs))
		docs = append(docs, o.docs[i])
	}
	for _, p := range o.lists {
		var n postings
		for i, d := range p.docs {
			if nd := renum[d]; nd != endDoc {
				n.add(nd, p.tfs[i], docs[nd].docLen)
			}
		}
		*p = n
	}
	for _, vs := range o.vecs {
		for s, d := range vs.docs {
			if d != deadSlot {
				vs.docs[s] = renum[d]
			}
		}
	}
	for id, d := range o.byChunk {
		o.byChunk[id] = renum[d]
	}
	o.docs, o.dead = docs, 0
	o.rewrites++
}

// compact rewrites a list without its tombstones.
func (o *orgIndex) compact(p *postings) {
	o.rewrites++
	var n postings
	for i, doc := range p.docs {
		if !o.docs[doc].deleted {
			n.add(doc, p.tfs[i], o.docs[doc].docLen)
		}
	}
	*p = n
}

// configList is the organization's configurations, most chunks first.
func (o *orgIndex) configList() []string {
	out := make([]string, 0, len(o.configs))
	for c := range o.configs {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if o.configs[out[i]] != o.configs[out[j]] {
			return o.configs[out[i]] > o.configs[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// lexFilter is the part of a query that restricts chunks.
type lexFilter struct {
	assistant uuid.UUID
	qaOnly    bool // kinds = {qa}
	textOnly  bool // kinds = {text}
}

func newLexFilter(q Query) lexFilter {
	f := lexFilter{assistant: q.AssistantID}
	hasQA, hasText := slices.Contains(q.Kinds, lorebase.ChunkQA), slices.Contains(q.Kinds, lorebase.ChunkText)
	f.qaOnly = hasQA && !hasText
	f.textOnly = hasText && !hasQA
	return f
}

func (f lexFilter) pass(d *docInfo) bool {
	if d.deleted || (f.qaOnly && !d.qa) || (f.textOnly && d.qa) {
		return false
	}
	if f.assistant == uuid.Nil || len(d.assistants) == 0 {
		return true
	}
	return slices.Contains(d.assistants, f.assistant)
}

// termCursor walks one query term's postings.
type termCursor struct {
	p    *postings
	w    float64 // idf * (k1 + 1)
	ub   float64 // bound of the whole list
	pos  int
	blk  int // block of pos, kept in step for block-max checks
	size int
}

const endDoc = math.MaxUint32

func (c *termCursor) doc() uint32 {
	if c.pos >= c.size {
		return endDoc
	}
	return c.p.docs[c.pos]
}

// seekBlock moves to the block that could hold d (the first whose last document is >= d),
// skipping whole blocks; it reports false when the list has nothing at or after d.
func (c *termCursor) seekBlock(d uint32) bool {
	if c.pos >= c.size {
		return false
	}
	if c.p.docs[c.pos] >= d {
		return true
	}
	for c.blk < len(c.p.blocks) && c.p.blocks[c.blk].last < d {
		c.blk++
	}
	if c.blk >= len(c.p.blocks) {
		c.pos = c.size
		return false
	}
	c.pos = max(c.pos, c.blk*blockSize)
	return true
}

// seek moves to the first posting >= d.
func (c *termCursor) seek(d uint32) {
	if !c.seekBlock(d) || c.p.docs[c.pos] >= d {
		return
	}
	lo, hi := c.pos, min(c.size, (c.blk+1)*blockSize)
	c.pos = lo + sort.Search(hi-lo, func(i int) bool { return c.p.docs[lo+i] >= d })
}

func (c *termCursor) next() {
	c.pos++
	if c.pos >= (c.blk+1)*blockSize {
		c.blk++
	}
}

// bm25Scorer computes contributions with the statement's formula.
type bm25Scorer struct {
	k1, b, avg float64
}

func (s bm25Scorer) part(w float64, tf float64, docLen float64) float64 {
	return w * tf / (tf + s.k1*(1-s.b+s.b*docLen/s.avg))
}

// topK keeps the best k (score desc, chunk id asc): a min-heap on that order.
type topK struct {
	k     int
	items []scored
}

func (h *topK) Len() int { return len(h.items) }
func (h *topK) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.score != b.score {
		return a.score < b.score
	}
	return a.chunkID > b.chunkID
}
func (h *topK) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topK) Push(x any)    { h.items = append(h.items, x.(scored)) }
func (h *topK) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *topK) full() bool { return len(h.items) >= h.k }

// threshold is the score a chunk must reach to be considered; 0 until the heap is full.
func (h *topK) threshold() float64 {
	if !h.full() {
		return 0
	}
	return h.items[0].score
}

func (h *topK) offer(c scored) {
	if !h.full() {
		heap.Push(h, c)
		return
	}
	w := h.items[0]
	if c.score > w.score || (c.score == w.score && c.chunkID < w.chunkID) {
		h.items[0] = c
		heap.Fix(h, 0)
	}
}

// slack keeps pruning safe against rounding: sums of bounds and of contributions are added in
// different orders, so a bound is only trusted below the threshold by more than this.
func slack(theta float64) float64 { return 1e-9 * max(1, theta) }

// lexStats counts the work of one search (diagnostics and tests).
type lexStats struct {
	scored  int // documents fully or partly scored
	skipped int // block-max rejections
}

// search returns the best limit chunks by exact BM25 over the distinct terms, among those that
// pass the filter, best first (ties by chunk id), as the SQL statement would.
//
// The algorithm is MaxScore (Turtle and Flood 1995) with block-max bounds (Ding and Suel 2011,
// as in Lucene and PISA): terms are sorted by their list's bound; the lowest-bound terms whose
// bounds add up to no more than the current k-th score are non-essential, because a chunk
// holding only them cannot make the list. Candidates come from the essential lists only; each
// candidate's non-essential terms are probed from the highest bound down, and before probing a
// list the candidate is dropped if its score so far plus the bounds of the blocks that could
// still contribute cannot reach the k-th score. The caller holds mu for reading.
//
// weights, when not nil, weigh each term (its idf is multiplied by it, as the SQL statement does
// with weighted terms); a term listed twice counts once, with its larger weight.
func (o *orgIndex) search(terms []string, weights []float64, f lexFilter, limit int, k1, b float64, st *lexStats) []scored {
	if o.live <= 0 || limit <= 0 {
		return nil
	}
	n := float64(o.live)
	sc := bm25Scorer{k1: k1, b: b, avg: float64(o.totalLen) / n}
	if sc.avg <= 0 {
		sc.avg = 1
	}
	var cur []*termCursor
	weight := map[string]float64{}
	var distinct []string
	for i, t := range terms {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if old, ok := weight[t]; !ok {
			distinct = append(distinct, t)
			weight[t] = w
		} else {
			weight[t] = max(old, w)
		}
	}
	for _, t := range distinct {
		if weight[t] <= 0 {
			continue
		}
		tid, ok := o.dict[t]
		if !ok {
			continue
		}
		p := o.lists[tid]
		if p.df <= 0 {
			continue
		}
		df := float64(p.df)
		idf := math.Log(1 + (max(n, df)-df+0.5)/(df+0.5))
		w := weight[t] * idf * (k1 + 1)
		cur = append(cur, &termCursor{p: p, w: w, ub: sc.part(w, float64(p.maxTF), float64(p.minLen)), size: len(p.docs)})
	}
	if len(cur) == 0 {
		return nil
	}
	sort.Slice(cur, func(i, j int) bool { return cur[i].ub < cur[j].ub })
	prefix := make([]float64, len(cur)) // prefix[i] = sum of ub of cur[0..i]
	acc := 0.0
	for i, c := range cur {
		acc += c.ub
		prefix[i] = acc
	}
	h := &topK{k: limit}
	blockUB := make([]float64, len(cur))
	// ne is the count of non-essential terms: cur[:ne].
	ne := 0
	updateNE := func() {
		theta := h.threshold()
		if !h.full() {
			return
		}
		for ne < len(cur) && prefix[ne]+slack(theta) < theta {
			ne++
		}
	}
	for {
		if ne >= len(cur) {
			break // no chunk can beat the k-th score any more
		}
		d := uint32(endDoc)
		for _, c := range cur[ne:] {
			d = min(d, c.doc())
		}
		if d == endDoc {
			break
		}
		doc := &o.docs[d]
		if f.pass(doc) {
			dl := float64(doc.docLen)
			score := 0.0
			for _, c := range cur[ne:] {
				if c.doc() == d {
					score += sc.part(c.w, float64(c.p.tfs[c.pos]), dl)
				}
			}
			theta := h.threshold()
			ok := true
			if ne > 0 && h.full() {
				// Block-max bound: the blocks that could hold d, before any search inside them.
				bound := score
				for j := 0; j < ne; j++ {
					c := cur[j]
					if c.seekBlock(d) {
						bm := c.p.blocks[c.blk]
						blockUB[j] = sc.part(c.w, float64(bm.maxTF), float64(bm.minLen))
					} else {
						blockUB[j] = 0
					}
					bound += blockUB[j]
				}
				if bound+slack(theta) < theta {
					ok = false
				}
				// Probe the non-essential lists, highest bound first, while the rest can matter.
				rest := bound - score
				for j := ne - 1; ok && j >= 0; j-- {
					if score+rest+slack(theta) < theta {
						ok = false
						break
					}
					rest -= blockUB[j]
					if blockUB[j] == 0 {
						continue
					}
					c := cur[j]
					c.seek(d)
					if c.doc() == d {
						score += sc.part(c.w, float64(c.p.tfs[c.pos]), dl)
					}
				}
				if ok && score+slack(theta) < theta {
					ok = false
				}
			} else {
				for j := ne - 1; j >= 0; j-- {
					c := cur[j]
					c.seek(d)
					if c.doc() == d {
						score += sc.part(c.w, float64(c.p.tfs[c.pos]), dl)
					}
				}
			}
			if st != nil {
				st.scored++
				if !ok {
					st.skipped++
				}
			}
			if ok {
				h.offer(scored{chunkID: doc.chunkID, score: score})
				updateNE()
			}
		}
		for _, c := range cur[ne:] {
			if c.doc() == d {
				c.next()
			}
		}
	}
	out := h.items
	sortScored(out)
	return out
}
