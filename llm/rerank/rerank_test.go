package rerank

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase/llm"
)

// relevance is the fake cross-encoder: the share of the query's words a passage holds.
func relevance(query, doc string) float64 {
	words := strings.Fields(strings.ToLower(query))
	n := 0
	for _, w := range words {
		if strings.Contains(strings.ToLower(doc), w) {
			n++
		}
	}
	return float64(n) / float64(len(words))
}

// teiServer speaks Text Embeddings Inference's POST /rerank: results sorted by score.
func teiServer(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/rerank" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Query string   `json:"query"`
			Texts []string `json:"texts"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Query == "" || len(req.Texts) == 0 {
			http.Error(w, `{"error":"bad request","error_type":"Validation"}`, http.StatusUnprocessableEntity)
			return
		}
		type res struct {
			Index int     `json:"index"`
			Score float64 `json:"score"`
		}
		var out []res
		for i, d := range req.Texts {
			out = append(out, res{i, relevance(req.Query, d)})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
		_ = json.NewEncoder(w).Encode(out)
	}))
}

// cohereServer speaks Cohere's v2 rerank (jina: Jina's v1 rerank, which adds the document and
// usage), honouring top_n and the bearer key.
func cohereServer(t *testing.T, path string, jina bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, `{"message":"invalid api token"}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Model     string   `json:"model"`
			Query     string   `json:"query"`
			Documents []string `json:"documents"`
			TopN      int      `json:"top_n"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
			http.Error(w, `{"message":"model is required"}`, http.StatusBadRequest)
			return
		}
		type result struct {
			Index          int               `json:"index"`
			RelevanceScore float64           `json:"relevance_score"`
			Document       map[string]string `json:"document,omitempty"`
		}
		var out []result
		for i, d := range req.Documents {
			res := result{Index: i, RelevanceScore: relevance(req.Query, d)}
			if jina {
				res.Document = map[string]string{"text": d}
			}
			out = append(out, res)
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].RelevanceScore > out[j].RelevanceScore })
		if req.TopN > 0 && req.TopN < len(out) {
			out = out[:req.TopN]
		}
		body := map[string]any{"results": out}
		if jina {
			body["model"], body["usage"] = req.Model, map[string]int{"total_tokens": 42}
		} else {
			body["id"], body["meta"] = "abc", map[string]any{"billed_units": map[string]int{"search_units": 1}}
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
}

var docs = []string{"The weather is mild in spring.", "Returns are accepted within 30 days.", "Shipping to Canada takes 7 days."}

func TestFormats(t *testing.T) {
	tei := teiServer(t)
	defer tei.Close()
	cohere := cohereServer(t, "/v2/rerank", false)
	defer cohere.Close()
	jina := cohereServer(t, "/v1/rerank", true)
	defer jina.Close()
	for _, cfg := range []Config{
		{URL: tei.URL + "/rerank", Format: FormatTEI},
		{URL: cohere.URL + "/v2/rerank", Format: FormatCohere, Model: "rerank-v3.5", APIKey: "secret"},
		{URL: jina.URL + "/v1/rerank", Format: FormatJina, Model: "jina-reranker-v2-base-multilingual", APIKey: "secret"},
	} {
		t.Run(cfg.Format, func(t *testing.T) {
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			scores, err := c.Rerank(context.Background(), "shipping canada", docs)
			if err != nil {
				t.Fatal(err)
			}
			if len(scores) != 3 || !(scores[2] > scores[0] && scores[2] > scores[1]) {
				t.Fatalf("scores %v: the Canada passage must lead", scores)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cohere := cohereServer(t, "/v2/rerank", false)
	defer cohere.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(300 * time.Millisecond):
		}
	}))
	defer slow.Close()
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"results":[{"index":7,"relevance_score":0.5}]}`))
	}))
	defer junk.Close()
	for name, tc := range map[string]struct {
		cfg  Config
		want error
	}{
		"unauthorised": {Config{URL: cohere.URL + "/v2/rerank", Format: FormatCohere, Model: "m", APIKey: "wrong"}, llm.ErrUpstream},
		"timeout":      {Config{URL: slow.URL, Format: FormatTEI, Timeout: 50 * time.Millisecond}, llm.ErrTimeout},
		"bad index":    {Config{URL: junk.URL, Format: FormatCohere, Model: "m"}, llm.ErrUpstream},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Rerank(context.Background(), "q", docs); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	for _, bad := range []Config{{URL: "ftp://x", Format: FormatTEI}, {URL: "http://x", Format: "voyage"}, {URL: "http://x", Format: FormatCohere}} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

// A server that returns only top_n results leaves the rest ranked last, in their order.
func TestMissingResultsRankLast(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"results":[{"index":1,"relevance_score":0.2}]}`))
	}))
	defer srv.Close()
	c, _ := New(Config{URL: srv.URL, Format: FormatJina, Model: "m"})
	scores, err := c.Rerank(context.Background(), "q", docs)
	if err != nil {
		t.Fatal(err)
	}
	if !(scores[1] > scores[0] && scores[0] > scores[2]) {
		t.Fatalf("scores %v", scores)
	}
}
