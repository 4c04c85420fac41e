// Package rerank scores passages against a question with a cross-encoder served over HTTP, in
// the wire formats of the common self-hosted and hosted rerankers:
//
//   - FormatTEI: Hugging Face Text Embeddings Inference, POST /rerank
//     {"query","texts":[...]} → [{"index","score"}, ...]
//   - FormatCohere: Cohere's /v2/rerank (and /v1/rerank)
//     {"model","query","documents":[...],"top_n"} → {"results":[{"index","relevance_score"}]}
//   - FormatJina: Jina AI's /v1/rerank, the same shape as Cohere's plus "usage"
//
// The client sends one request per question and returns a score for every passage, in the
// passages' order; a passage the server leaves out (top_n) scores below every returned one.
package rerank

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/lorebase/lorebase/llm"
)

// Wire formats.
const (
	FormatTEI    = "tei"
	FormatCohere = "cohere"
	FormatJina   = "jina"
)

// Defaults.
const (
	TimeoutDefault  = 10 * time.Second
	MaxBytesDefault = 8 << 20 // largest response read
	MaxDocRunes     = 4000    // passages are cut to this many characters before sending
)

// Reranker scores passages against a question; higher is more relevant. The scores are in
// the passages' order.
type Reranker interface {
	Rerank(ctx context.Context, query string, passages []string) ([]float64, error)
	Name() string
}

// Config names the server.
type Config struct {
	URL     string // the full endpoint, e.g. http://localhost:8080/rerank or https://api.cohere.com/v2/rerank
	Format  string // FormatTEI, FormatCohere or FormatJina
	Model   string // required by Cohere and Jina; ignored by TEI
	APIKey  string // sent as a bearer token when set; never logged
	Timeout time.Duration
	Client  *http.Client // default: a client with Timeout
}

// Client is a Reranker over HTTP. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
}

// New checks the configuration.
func New(cfg Config) (*Client, error) {
	cfg.Format = strings.ToLower(strings.TrimSpace(cfg.Format))
	cfg.Timeout = cmp.Or(cfg.Timeout, TimeoutDefault)
	switch {
	case cfg.URL == "" || !(strings.HasPrefix(cfg.URL, "http://") || strings.HasPrefix(cfg.URL, "https://")):
		return nil, fmt.Errorf("rerank: URL %q must be an http(s) endpoint", cfg.URL)
	case cfg.Format != FormatTEI && cfg.Format != FormatCohere && cfg.Format != FormatJina:
		return nil, fmt.Errorf("rerank: format %q (use tei, cohere or jina)", cfg.Format)
	case cfg.Format != FormatTEI && cfg.Model == "":
		return nil, fmt.Errorf("rerank: the %s format needs a model name", cfg.Format)
	}
	hc := cfg.Client
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, http: hc}, nil
}

// Name is the model, or the format for TEI (which serves one model).
func (c *Client) Name() string { return cmp.Or(c.cfg.Model, c.cfg.Format) }

type teiRequest struct {
	Query    string   `json:"query"`
	Texts    []string `json:"texts"`
	Truncate bool     `json:"truncate"`
}

type teiResult struct {
	Index int      `json:"index"`
	Score *float64 `json:"score"`
}

type cohereRequest struct {
	Model     string   `json:"model"`
	Query     string   `json:"query"`
	Documents []string `json:"documents"`
	TopN      int      `json:"top_n"`
}

type cohereResponse struct {
	Results []struct {
		Index          int      `json:"index"`
		RelevanceScore *float64 `json:"relevance_score"`
	} `json:"results"`
}

// Rerank scores passages against query. An empty list needs no request.
func (c *Client) Rerank(ctx context.Context, query string, passages []string) ([]float64, error) {
	if len(passages) == 0 {
		return nil, nil
	}
	docs := make([]string, len(passages))
	for i, p := range passages {
		if r := []rune(p); len(r) > MaxDocRunes {
			p = string(r[:MaxDocRunes])
		}
		docs[i] = p
	}
	var body any
	switch c.cfg.Format {
	case FormatTEI:
		body = teiRequest{Query: query, Texts: docs, Truncate: true}
	default:
		body = cohereRequest{Model: c.cfg.Model, Query: query, Documents: docs, TopN: len(docs)}
	}
	raw, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	scores := make([]float64, len(passages))
	seen := make([]bool, len(passages))
	put := func(i int, s *float64) error {
		if i < 0 || i >= len(passages) || s == nil || math.IsNaN(*s) || math.IsInf(*s, 0) {
			return fmt.Errorf("%w: rerank result with index %d of %d passages or no score", llm.ErrUpstream, i, len(passages))
		}
		scores[i], seen[i] = *s, true
		return nil
	}
	switch c.cfg.Format {
	case FormatTEI:
		var res []teiResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("%w: rerank response: %v", llm.ErrUpstream, err)
		}
		for _, r := range res {
			if err := put(r.Index, r.Score); err != nil {
				return nil, err
			}
		}
	default:
		var res cohereResponse
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("%w: rerank response: %v", llm.ErrUpstream, err)
		}
		for _, r := range res.Results {
			if err := put(r.Index, r.RelevanceScore); err != nil {
				return nil, err
			}
		}
	}
	// Passages the server left out rank below every scored one, in their retrieval order.
	lowest := math.Inf(1)
	scored := false
	for i, ok := range seen {
		if ok {
			lowest, scored = math.Min(lowest, scores[i]), true
		}
	}
	if !scored {
		return nil, fmt.Errorf("%w: rerank response scored no passage", llm.ErrUpstream)
	}
	for i, ok := range seen {
		if !ok {
			scores[i] = lowest - 1 - float64(i)*1e-6
		}
	}
	return scores, nil
}

func (c *Client) post(ctx context.Context, body any) ([]byte, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("%w: rerank: %v", llm.ErrTimeout, err)
		}
		return nil, fmt.Errorf("%w: rerank: %v", llm.ErrUpstream, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytesDefault+1))
	if err != nil {
		return nil, fmt.Errorf("%w: rerank: read the response: %v", llm.ErrUpstream, err)
	}
	if len(raw) > MaxBytesDefault {
		return nil, fmt.Errorf("%w: rerank response larger than %d bytes", llm.ErrUpstream, MaxBytesDefault)
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("%w: rerank: HTTP %d: %s", llm.ErrUpstream, resp.StatusCode, msg)
	}
	return raw, nil
}
