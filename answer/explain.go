package answer

import (
	"context"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/retrieval"
)

// Evidence verdicts of a hit test: what the engine would do with the question.
const (
	VerdictFAQ     = "faq"     // a curated pair answers directly
	VerdictAnswer  = "answer"  // the passages are strong enough to answer from
	VerdictAbstain = "abstain" // the evidence is too weak: the engine says it does not know
)

// Evidence is how well the retrieved passages support an answer, and what the engine decides.
type Evidence struct {
	Verdict     string  `json:"verdict"`
	Coverage    float64 `json:"coverage"`     // share of the question's weight the best passages cover
	MinCoverage float64 `json:"min_coverage"` // needed to answer, unless BestVector reaches MinVector
	BestVector  float64 `json:"best_vector"`  // best cosine similarity among the passages put in the prompt
	MinVector   float64 `json:"min_vector"`
}

// Explanation is a hit test: the passages a question retrieves with every leg's score, the FAQ
// decision and the evidence verdict, without asking the chat model.
type Explanation struct {
	Query       string
	Language    string
	Mode        string
	Passages    []retrieval.Result // best first, as the answer would use them
	Prompted    int                // how many of Passages the prompt would hold
	FAQ         FAQDecision
	Evidence    Evidence
	Rerank      map[int64]float64 // a reranking model's score by chunk id, when one reordered the passages
	RerankError string            // why the configured reranker did not, if it failed
	Retrieval   time.Duration
}

// ExplainRequest is a hit test's question. K overrides the engine's passage count.
type ExplainRequest struct {
	OrganizationID string
	Assistant      lorebase.Assistant
	Question       string
	Locale         string
	Mode           string
	K              int
}

// Explain runs the retrieval, FAQ and evidence steps of Answer for one standalone question
// and reports them, so a knowledge manager can see why an answer went wrong.
func (e *Engine) Explain(ctx context.Context, req ExplainRequest) (Explanation, error) {
	start := time.Now()
	areq := Request{OrganizationID: req.OrganizationID, Assistant: req.Assistant, Question: req.Question, Locale: req.Locale, Mode: req.Mode}
	ex := Explanation{Query: req.Question, Language: e.language(areq), Mode: e.cfg.Mode}
	if req.Mode != "" {
		ex.Mode = req.Mode
	}
	eng := e
	if req.K > 0 && req.K != e.cfg.K {
		c := *e
		c.cfg.K = req.K
		eng = &c
	}
	got, err := eng.retrieve(ctx, areq, req.Question, ex.Language)
	if err != nil {
		return ex, err
	}
	results, pairs := got.results, got.pairs
	ex.Retrieval = time.Since(start)
	ex.Passages, ex.Rerank, ex.RerankError = results, got.rerank, got.rerankErr
	ex.FAQ = eng.faq.decide(req.Question, ex.Language, results, pairs)
	passages, used := eng.passages(results)
	ex.Prompted = len(passages)
	ex.Evidence = Evidence{Coverage: round(coverage(req.Question, passages)), MinCoverage: eng.cfg.MinEvidence,
		MinVector: eng.cfg.MinVector}
	for _, r := range used {
		ex.Evidence.BestVector = max(ex.Evidence.BestVector, round(r.VectorScore))
	}
	switch {
	case ex.FAQ.Matched:
		ex.Evidence.Verdict = VerdictFAQ
	case len(passages) == 0 || (ex.Evidence.Coverage < eng.cfg.MinEvidence && ex.Evidence.BestVector < eng.cfg.MinVector):
		ex.Evidence.Verdict = VerdictAbstain
	default:
		ex.Evidence.Verdict = VerdictAnswer
	}
	return ex, nil
}
