package api_test

import (
	"net/http"
	"testing"

	"github.com/lorebase/lorebase/retrieval"
)

type hitTest struct {
	Query    string `json:"query"`
	Mode     string `json:"mode"`
	Pass     string `json:"lexical_pass"`
	Passages []struct {
		Rank        int    `json:"rank"`
		KnowledgeID string `json:"knowledge_id"`
		Type        string `json:"type"`
		Scores      struct {
			Lexical *float64 `json:"lexical"`
			Vector  *float64 `json:"vector"`
			Fused   float64  `json:"fused"`
			Rerank  *float64 `json:"rerank"`
		} `json:"scores"`
		InPrompt bool `json:"in_prompt"`
	} `json:"passages"`
	FAQ struct {
		Matched    bool    `json:"matched"`
		Threshold  float64 `json:"threshold"`
		Candidates []struct {
			KnowledgeID string  `json:"knowledge_id"`
			Question    string  `json:"question"`
			Decision    float64 `json:"decision"`
		} `json:"candidates"`
	} `json:"faq"`
	Evidence struct {
		Verdict  string  `json:"verdict"`
		Coverage float64 `json:"coverage"`
	} `json:"evidence"`
}

// Hit testing shows, without a chat model and without storing anything, what a question
// retrieves and what the engine would decide.
func TestSearchHitTesting(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	_, qaID := e.knowledgeBase(e.org)

	var got hitTest
	r := e.call("POST", "/api/v1/search", `{"question":"Do you ship to Canada?"}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	r.data(&got)
	if !got.FAQ.Matched || len(got.FAQ.Candidates) == 0 || got.FAQ.Candidates[0].KnowledgeID != qaID || got.Evidence.Verdict != "faq" {
		t.Fatalf("FAQ decision %+v, verdict %q", got.FAQ, got.Evidence.Verdict)
	}

	r = e.call("POST", "/api/v1/search", `{"question":"How do I restore the factory settings of the router?","k":3}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	got = hitTest{}
	r.data(&got)
	if len(got.Passages) == 0 || len(got.Passages) > 3 || got.Mode != "hybrid" || got.Evidence.Verdict != "answer" || got.FAQ.Matched {
		t.Fatalf("hit test %+v", got)
	}
	top := got.Passages[0]
	if top.Rank != 1 || top.Scores.Lexical == nil || top.Scores.Vector == nil || top.Scores.Fused <= 0 || top.Scores.Rerank != nil || !top.InPrompt {
		t.Fatalf("top passage %+v", top)
	}
	if got.Pass != retrieval.PassQuestion {
		t.Errorf("lexical_pass %q, want %q", got.Pass, retrieval.PassQuestion)
	}

	r = e.call("POST", "/api/v1/search", `{"question":"Who won the football world cup in 1954?","mode":"lexical"}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	got = hitTest{}
	r.data(&got)
	if got.Evidence.Verdict != "abstain" || got.Mode != "lexical" {
		t.Fatalf("off-topic hit test: verdict %q, mode %q", got.Evidence.Verdict, got.Mode)
	}
	for _, p := range got.Passages {
		if p.Scores.Vector != nil {
			t.Fatalf("lexical mode reported a vector score: %+v", p)
		}
	}

	expect(t, e.call("POST", "/api/v1/search", `{"question":"  ","k":0,"mode":"semantic"}`, withKey(e.org)), http.StatusUnprocessableEntity)
	expect(t, e.call("POST", "/api/v1/search", `{"question":"Do you ship?"}`), http.StatusUnauthorized)
}
