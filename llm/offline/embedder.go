package offline

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/lorebase/lorebase/textkit"
)

const (
	// DimensionsDefault suits a pgvector column of 384, the size of common small embedding models.
	DimensionsDefault = 384
	// ModelName is recorded with every stored vector. Any change to normalisation, features,
	// weights or hashing must bump the version, or old and new vectors would be compared.
	ModelName = "lorebase-hash-v1"
)

// Feature weights, chosen by a coarse sweep on XQuAD en and de (quality_test.go). Subword
// n-grams carry most of the signal there (inflection, compounds); bigrams barely help with
// paraphrased questions but keep multi-word names ("pro plan") together, so they stay light.
const (
	weightWord     = 1.0
	weightStopWord = 0.15 // relative to a content word
	weightBigram   = 0.2
	weightNgram    = 0.6
	weightCJK1     = 0.4 // a single Han character is often a word, but an ambiguous one
	weightCJK2     = 1.0
)

const (
	ngramMin = 3
	ngramMax = 5
)

// Embedder is a deterministic feature-hashing embedder; see the package comment for what it can
// and cannot match. It is safe for concurrent use.
type Embedder struct {
	dims int
	pool sync.Pool // *featureSet, reused because a chunk has thousands of features
}

// NewEmbedder returns an embedder producing vectors of dims dimensions (DimensionsDefault when
// dims <= 0).
func NewEmbedder(dims int) *Embedder {
	if dims <= 0 {
		dims = DimensionsDefault
	}
	return &Embedder{dims: dims, pool: sync.Pool{New: func() any { return newFeatureSet() }}}
}

// Model returns ModelName.
func (e *Embedder) Model() string { return ModelName }

// Dimensions returns the length of every vector.
func (e *Embedder) Dimensions() int { return e.dims }

// Embed returns one L2-normalised vector per text, in order. An empty text gets a zero vector.
// Large batches are spread over the CPUs; each vector depends only on its text.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), len(texts)/embedBatchPerWorker+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(texts) {
					return
				}
				out[i] = e.embed(texts[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// embedBatchPerWorker keeps small batches (a query) on the calling goroutine's single worker,
// where starting more would cost more than it saves.
const embedBatchPerWorker = 16

func (e *Embedder) embed(text string) []float32 {
	fs := e.pool.Get().(*featureSet)
	defer func() { fs.reset(); e.pool.Put(fs) }()

	toks := textkit.Tokenize(text)
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = textkit.Fold(t.Text)
	}
	stops := textkit.StopWords(textkit.DetectLatin(words, nil))

	prevWord, prevStop := "", true
	for i, t := range toks {
		w := words[i]
		if t.CJK {
			fs.addCJK(w)
			prevWord = ""
			continue
		}
		stop := stops[w]
		wt := weightWord
		if stop {
			wt *= weightStopWord
		}
		fs.add(hashFinish(hashAdd(hashStart(kindWord), w)), wt)
		if prevWord != "" && !t.Break && !(stop && prevStop) {
			h := hashAdd(hashStart(kindBigram), prevWord)
			h = hashAdd(hashAddByte(h, ' '), w)
			fs.add(hashFinish(h), weightBigram)
		}
		if !stop && !textkit.IsDigits(w) {
			fs.addNgrams(w)
		}
		prevWord, prevStop = w, stop
	}

	v := make([]float32, e.dims)
	var norm float64
	acc := make([]float64, e.dims)
	for _, f := range fs.list {
		x := f.weight
		if f.count > 1 {
			x *= 1 + math.Log(f.count)
		}
		idx := (f.hash >> 1) % uint64(e.dims)
		if f.hash&1 == 1 {
			x = -x
		}
		acc[idx] += x
	}
	for _, x := range acc {
		norm += x * x
	}
	if norm == 0 {
		return v
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range acc {
		v[i] = float32(x * inv)
	}
	return v
}

type feature struct {
	hash   uint64
	count  float64
	weight float64
}

// featureSet counts features in first-seen order; summing them in that order (not map order)
// keeps vectors bit-for-bit deterministic.
type featureSet struct {
	index map[uint64]int
	list  []feature
	runes []rune
}

func newFeatureSet() *featureSet {
	return &featureSet{index: make(map[uint64]int, 1024), list: make([]feature, 0, 1024)}
}

func (fs *featureSet) reset() {
	clear(fs.index)
	fs.list = fs.list[:0]
}

func (fs *featureSet) add(h uint64, weight float64) {
	if i, ok := fs.index[h]; ok {
		fs.list[i].count++
		fs.list[i].weight = max(fs.list[i].weight, weight)
		return
	}
	fs.index[h] = len(fs.list)
	fs.list = append(fs.list, feature{hash: h, count: 1, weight: weight})
}

// addNgrams adds the character n-grams of w framed by boundary marks, so "^in" (a prefix) and
// "in" inside a word differ.
func (fs *featureSet) addNgrams(w string) {
	n := utf8.RuneCountInString(w)
	if n < 2 {
		return
	}
	fs.runes = append(fs.runes[:0], '^')
	fs.runes = append(fs.runes, []rune(w)...)
	fs.runes = append(fs.runes, '$')
	r := fs.runes
	var buf [4 * ngramMax]byte
	for size := ngramMin; size <= ngramMax; size++ {
		for i := 0; i+size <= len(r); i++ {
			if size == len(r) {
				break // the framed whole word duplicates the unigram
			}
			b := buf[:0]
			for _, c := range r[i : i+size] {
				b = utf8.AppendRune(b, c)
			}
			h := hashStart(kindNgram)
			for _, c := range b {
				h = hashAddByte(h, c)
			}
			fs.add(hashFinish(h), weightNgram)
		}
	}
}

// addCJK adds the characters and character bigrams of a CJK run: without word boundaries,
// overlapping bigrams are the standard stand-in for words.
func (fs *featureSet) addCJK(run string) {
	prev := -1
	for i, c := range run {
		h := hashAdd(hashStart(kindCJK1), run[i:i+utf8.RuneLen(c)])
		fs.add(hashFinish(h), weightCJK1)
		if prev >= 0 {
			fs.add(hashFinish(hashAdd(hashStart(kindCJK2), run[prev:i+utf8.RuneLen(c)])), weightCJK2)
		}
		prev = i
	}
}
