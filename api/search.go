package api

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/retrieval"
)

// HitTester runs the retrieval, FAQ and evidence steps of an answer without the chat model
// (answer.Engine implements it).
type HitTester interface {
	Explain(ctx context.Context, req answer.ExplainRequest) (answer.Explanation, error)
}

// searchInput is a hit test's question.
type searchInput struct {
	Question    *string `json:"question"`
	AssistantID *string `json:"assistant_id"` // optional: search as this assistant (its restricted knowledge, its language)
	Language    *string `json:"language"`     // optional: the question's language; default detected
	Mode        *string `json:"mode"`         // hybrid (default), lexical or vector
	K           *int    `json:"k"`            // passages, 1..50; default the engine's (8)
}

// searchScores are one passage's score in each leg of the ranking; a leg the passage is absent
// from, or that did not run, is null.
type searchScores struct {
	Lexical *float64 `json:"lexical"`
	Vector  *float64 `json:"vector"`
	Fused   float64  `json:"fused"`
	Rerank  *float64 `json:"rerank"`
}

type searchPassage struct {
	Rank        int                    `json:"rank"`
	ChunkID     int64                  `json:"chunk_id"`
	KnowledgeID string                 `json:"knowledge_id"`
	Type        lorebase.KnowledgeType `json:"type"` // file, qa or url
	Kind        lorebase.ChunkKind     `json:"kind"` // text or qa
	Title       string                 `json:"title"`
	HeadingPath []string               `json:"heading_path"`
	Page        int                    `json:"page,omitempty"`
	URL         string                 `json:"url,omitempty"`
	Snippet     string                 `json:"snippet"`
	Scores      searchScores           `json:"scores"`
	LexicalRank int                    `json:"lexical_rank,omitempty"`
	VectorRank  int                    `json:"vector_rank,omitempty"`
	InPrompt    bool                   `json:"in_prompt"` // among the passages the chat model would read
}

type searchFAQCandidate struct {
	KnowledgeID string  `json:"knowledge_id"`
	Question    string  `json:"question"`
	Score       float64 `json:"score"`               // the FAQ ranking score
	Similarity  float64 `json:"question_similarity"` // of the asked question and the pair's question
	Exact       float64 `json:"exact_similarity"`    // the same without synonyms
	Answer      float64 `json:"answer_coverage"`     // share of the asked question the pair's answer covers
	Vector      float64 `json:"vector"`              // cosine similarity of the question embeddings
	Decision    float64 `json:"decision"`            // compared with the threshold
}

type searchFAQ struct {
	Matched    bool                 `json:"matched"`
	Threshold  float64              `json:"threshold"`
	Candidates []searchFAQCandidate `json:"candidates"`
}

// searchResult is a hit test's report.
type searchResult struct {
	Query    string `json:"query"`
	Language string `json:"language"`
	Mode     string `json:"mode"`
	// LexicalPass is the query the passages' lexical scores are of: "question", "synonyms" (its
	// words matched nothing, so WordNet's synonyms of them were searched), "feedback" or
	// "synonyms+feedback" (expanded by pseudo-relevance feedback); empty when no passage came
	// from the lexical leg.
	LexicalPass string          `json:"lexical_pass"`
	Passages    []searchPassage `json:"passages"`
	FAQ         searchFAQ       `json:"faq"`
	Evidence    answer.Evidence `json:"evidence"`
	RerankError string          `json:"rerank_error,omitempty"` // why the configured reranker did not reorder (the retrieval order stands)
	RetrievalMS int64           `json:"retrieval_ms"`
}

// search is hit testing: the passages a question retrieves with every leg's score, the FAQ
// decision and the evidence verdict, so a knowledge manager can see why an answer went wrong.
// It stores nothing and asks no chat model.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in searchInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	q := checkText(ve, "question", in.Question, true, 4000)
	req := answer.ExplainRequest{OrganizationID: p.orgID, Question: q}
	if in.AssistantID != nil && *in.AssistantID != "" {
		req.Assistant = s.activeAssistant(r.Context(), p.orgID, in.AssistantID, ve)
	}
	if in.Language != nil && *in.Language != "" {
		if l, ok := normalizeLanguage(*in.Language); ok {
			req.Locale = l
		} else {
			ve.Add("language", "must be a language code such as en or pt-BR")
		}
	}
	if in.Mode != nil && *in.Mode != "" {
		switch m := strings.ToLower(*in.Mode); m {
		case retrieval.ModeHybrid, retrieval.ModeLexical, retrieval.ModeVector:
			req.Mode = m
		default:
			ve.Add("mode", "must be hybrid, lexical or vector")
		}
	}
	if in.K != nil {
		if *in.K < 1 || *in.K > 50 {
			ve.Add("k", "must be between 1 and 50")
		}
		req.K = *in.K
	}
	if err := ve.Err(); err != nil {
		return err
	}
	tester := s.deps.HitTester
	if tester == nil {
		tester, _ = s.deps.Answerer.(HitTester)
	}
	if tester == nil {
		return lorebase.Errorf(lorebase.ErrUnavailable, "this server has no answer engine to test")
	}
	ex, err := tester.Explain(r.Context(), req)
	if err != nil {
		return err
	}
	out := searchResult{Query: ex.Query, Language: ex.Language, Mode: ex.Mode, Passages: []searchPassage{}, Evidence: ex.Evidence,
		RetrievalMS: ex.Retrieval.Milliseconds(), RerankError: ex.RerankError,
		FAQ: searchFAQ{Matched: ex.FAQ.Matched, Threshold: ex.FAQ.Threshold, Candidates: []searchFAQCandidate{}}}
	for i, res := range ex.Passages {
		sp := searchPassage{Rank: i + 1, ChunkID: res.ID, KnowledgeID: res.ItemID, Type: res.ItemType, Kind: res.Kind,
			Title: res.Title, HeadingPath: res.HeadingPath, Page: res.Page, URL: res.URL, Snippet: snippet(res.Content, 300),
			Scores:      searchScores{Fused: round3(res.Score)},
			LexicalRank: res.LexicalRank, VectorRank: res.VectorRank, InPrompt: i < ex.Prompted}
		if sp.HeadingPath == nil {
			sp.HeadingPath = []string{}
		}
		if res.LexicalRank > 0 {
			sp.Scores.Lexical = ptr(round3(res.LexicalScore))
		}
		if res.VectorRank > 0 {
			sp.Scores.Vector = ptr(round3(res.VectorScore))
		}
		if v, ok := ex.Rerank[res.ID]; ok {
			sp.Scores.Rerank = ptr(round3(v))
		}
		out.Passages = append(out.Passages, sp)
		out.LexicalPass = cmp.Or(out.LexicalPass, res.LexicalPass)
	}
	for i, c := range ex.FAQ.Candidates {
		if i == 10 {
			break
		}
		question, _, _ := strings.Cut(c.Result.Content, "\n")
		out.FAQ.Candidates = append(out.FAQ.Candidates, searchFAQCandidate{KnowledgeID: c.Result.ItemID, Question: question,
			Score: round3(c.Score), Similarity: round3(c.Question), Exact: round3(c.Exact), Answer: round3(c.Answer),
			Vector: round3(c.Result.VectorScore), Decision: round3(c.Decision)})
	}
	writeData(w, http.StatusOK, out)
	return nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func ptr[T any](v T) *T { return &v }

// snippet is the start of a passage, cut at a word boundary.
func snippet(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max])
		if i := strings.LastIndexByte(s, ' '); i > max/2 {
			s = s[:i]
		}
		s += "…"
	}
	return s
}
