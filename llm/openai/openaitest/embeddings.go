package openaitest

import (
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

func (s *Server) embeddings(w http.ResponseWriter, req Request, step Step) {
	if len(req.Input) == 0 {
		writeError(w, http.StatusBadRequest, "'input' is required", "invalid_request_error")
		return
	}
	dims := s.opts.Dimensions
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	if step.Dimensions > 0 {
		dims = step.Dimensions
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]item, len(req.Input))
	tokens := 0
	for i, in := range req.Input {
		data[i] = item{Object: "embedding", Index: i, Embedding: s.opts.Embed(in, dims)}
		tokens += EstimateTokens(in)
	}
	if step.Reverse {
		slices.Reverse(data)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// HashEmbedding is the default embedding: each lower-cased word adds ±1 to a hashed coordinate,
// and the vector is normalised to unit length. Texts that share words get a high cosine
// similarity, which is enough for retrieval tests to rank sensibly. It never returns a zero vector.
func HashEmbedding(input string, dims int) []float32 {
	v := make([]float32, dims)
	words := strings.FieldsFunc(strings.ToLower(input), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, word := range words {
		h := fnv.New64a()
		h.Write([]byte(word))
		sum := h.Sum64()
		sign := float32(1)
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		v[0] = 1
		return v
	}
	scale := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= scale
	}
	return v
}
