package openai

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

func TestEmbedReturnsVectorsInInputOrder(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{APIKey: "sk-test"})
	cfg := testConfig(srv)
	cfg.Dimensions = 8
	emb, _ := newTestEmbedder(t, cfg)

	texts := []string{"alpha beta", "gamma", "delta epsilon zeta"}
	vecs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	assertVectors(t, texts, vecs, 8)
	if emb.Model() != "test-embed" || emb.Dimensions() != 8 {
		t.Errorf("Model() %q, Dimensions() %d", emb.Model(), emb.Dimensions())
	}
	r := srv.EmbeddingRequests()[0]
	if r.Path != "/v1/embeddings" || r.Model != "test-embed" || r.Dimensions != 8 || !slices.Equal(r.Input, texts) {
		t.Errorf("request = %+v", r)
	}
}

func TestEmbedPlacesOutOfOrderVectorsByIndex(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Reverse: true}}})
	emb, _ := newTestEmbedder(t, testConfig(srv))

	texts := []string{"first text", "second text", "third text", "fourth"}
	vecs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	assertVectors(t, texts, vecs, 16)
}

func TestEmbedRejectsWrongDimension(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Dimensions: 4}}})
	cfg := testConfig(srv)
	cfg.Dimensions = 8
	emb, _ := newTestEmbedder(t, cfg)

	_, err := emb.Embed(context.Background(), []string{"a", "b"})
	if !errors.Is(err, llm.ErrUpstream) || !strings.Contains(err.Error(), "4-dimension") || !strings.Contains(err.Error(), "want 8") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmbedUnsetDimensionMustStayConstant(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Dimensions: 12})
	emb, _ := newTestEmbedder(t, testConfig(srv))
	if emb.Dimensions() != 0 {
		t.Fatalf("Dimensions() before any call = %d", emb.Dimensions())
	}

	if _, err := emb.Embed(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if emb.Dimensions() != 12 || srv.EmbeddingRequests()[0].Dimensions != 0 {
		t.Fatalf("Dimensions() = %d, requested %d", emb.Dimensions(), srv.EmbeddingRequests()[0].Dimensions)
	}
	srv.Enqueue(openaitest.Step{Dimensions: 10}) // e.g. the server's model was swapped
	if _, err := emb.Embed(context.Background(), []string{"b"}); !errors.Is(err, llm.ErrUpstream) {
		t.Fatalf("err = %v, want a dimension error", err)
	}
}

func TestEmbedSplitsBatches(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	cfg := testConfig(srv)
	cfg.BatchSize = 3
	emb, _ := newTestEmbedder(t, cfg)

	texts := make([]string, 7)
	for i := range texts {
		texts[i] = fmt.Sprintf("text number %d", i)
	}
	vecs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	assertVectors(t, texts, vecs, 16)
	var sizes []int
	for _, r := range srv.EmbeddingRequests() {
		sizes = append(sizes, len(r.Input))
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Errorf("batch sizes %v, want [3 3 1]", sizes)
	}
}

func TestEmbedSplitsBatchesByTokens(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	emb, _ := newTestEmbedder(t, testConfig(srv))
	emb.maxTokens = 30 // each text below is ~11 tokens

	texts := []string{strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40), strings.Repeat("d", 40), "e"}
	vecs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	assertVectors(t, texts, vecs, 16)
	var sizes []int
	for _, r := range srv.EmbeddingRequests() {
		sizes = append(sizes, len(r.Input))
	}
	if !slices.Equal(sizes, []int{2, 3}) { // 11+11, then 11+11+1
		t.Errorf("batch sizes %v, want [2 3]", sizes)
	}
}

func TestSplitBatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		lens      []int
		size, max int
		want      []batch
	}{
		{"empty", nil, 2, 100, nil},
		{"by count", []int{1, 1, 1}, 2, 100, []batch{{0, 2}, {2, 3}}},
		{"by tokens", []int{40, 40, 40}, 10, 25, []batch{{0, 2}, {2, 3}}},
		{"oversized text goes alone", []int{4, 400, 4}, 10, 25, []batch{{0, 1}, {1, 2}, {2, 3}}},
	} {
		texts := make([]string, len(tc.lens))
		for i, n := range tc.lens {
			texts[i] = strings.Repeat("x", n)
		}
		if got := splitBatches(texts, tc.size, tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEmbedRetriesServerErrors(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Status: 502, Message: "bad gateway"}}})
	emb, slept := newTestEmbedder(t, testConfig(srv))

	vecs, err := emb.Embed(context.Background(), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	assertVectors(t, []string{"a", "b"}, vecs, 16)
	if len(srv.Requests()) != 2 || len(slept.got()) != 1 {
		t.Errorf("requests %d, sleeps %v", len(srv.Requests()), slept.got())
	}
}

func TestEmbedNothing(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	emb, _ := newTestEmbedder(t, testConfig(srv))
	vecs, err := emb.Embed(context.Background(), nil)
	if err != nil || len(vecs) != 0 || len(srv.Requests()) != 0 {
		t.Fatalf("vecs %v, err %v, requests %d", vecs, err, len(srv.Requests()))
	}
}

// assertVectors checks each vector is the one the fake server computes for its own text, which
// fails if vectors were placed by response position instead of index.
func assertVectors(t *testing.T, texts []string, vecs [][]float32, dims int) {
	t.Helper()
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, text := range texts {
		if !slices.Equal(vecs[i], openaitest.HashEmbedding(text, dims)) {
			t.Errorf("vector %d does not belong to %q", i, text)
		}
	}
}
