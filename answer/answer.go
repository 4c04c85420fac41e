// Package answer turns a message into a grounded reply: rewrite a follow-up into a standalone
// question, retrieve passages, answer from a curated Q&A pair when one matches, abstain when the
// evidence is too weak, else build the prompt (persona, customer traits, history, numbered
// passages) for the chat model and keep only the sources the answer really cites. The API and
// the evaluation command both call Engine.Answer, so what is measured is what users get.
package answer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/rerank"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/textkit"
	"github.com/lorebase/lorebase/wordnet"
)

// Searcher finds passages.
type Searcher interface {
	Search(ctx context.Context, q retrieval.Query) ([]retrieval.Result, error)
}

// RerankCandidatesDefault is how many retrieved passages a configured reranker reorders.
const RerankCandidatesDefault = 30

// Answer modes reported in a reply's metadata.
const (
	ModeFAQ        = "faq"        // a curated Q&A pair answered
	ModeGenerated  = "generated"  // the chat model answered from passages
	ModeExtractive = "extractive" // the offline answerer quoted passages
	ModeAbstain    = "abstain"    // the evidence was too weak
)

// Config tunes the engine; zero values take the defaults.
type Config struct {
	K             int     // passages retrieved; default 8
	MaxPassages   int     // passages put in the prompt; default 5
	FAQThreshold  float64 // FAQ decision score a Q&A pair needs to answer directly; default FAQThresholdDefault
	FAQCandidates int     // curated pairs searched for the FAQ decision; default FAQCandidatesDefault, < 0 none beyond K
	SynonymWeight float64 // weight of a WordNet synonym next to an exact word; default SynonymWeightDefault
	// Reranker, when set, reorders the RerankCandidates best passages before the K best are
	// kept (off by default; see llm/rerank). Failures keep the retrieval order.
	Reranker         rerank.Reranker
	RerankCandidates int          // default RerankCandidatesDefault
	Logger           *slog.Logger // default: discard
	// Thesaurus gives English base forms and synonyms to FAQ matching; nil matches words by
	// stem only (see wordnet.Load).
	Thesaurus     *wordnet.Thesaurus
	MinEvidence   float64 // coverage of the question by the best passages needed to answer; default 0.3
	MinVector     float64 // or cosine similarity of the best passage; default 0.5
	HistoryTokens int     // history budget in the prompt; default 1500
	HistoryTurns  int     // most recent turns considered; default 12
	TraitsBytes   int     // cap of the rendered customer traits; default 2000
	SmoothFAQ     bool    // let a configured chat model rephrase curated answers
	// Extractive says the chat model only quotes passages (llm/offline's answerer): replies are
	// reported as extractive, follow-ups are rewritten by textkit.Rewrite instead of the model,
	// and curated answers are never rephrased.
	Extractive bool
	Mode       string // retrieval mode; default hybrid
}

func (c Config) withDefaults() Config {
	c.K = cmp.Or(c.K, 8)
	c.MaxPassages = cmp.Or(c.MaxPassages, 5)
	c.FAQThreshold = cmp.Or(c.FAQThreshold, FAQThresholdDefault)
	c.FAQCandidates = cmp.Or(c.FAQCandidates, FAQCandidatesDefault)
	c.SynonymWeight = cmp.Or(c.SynonymWeight, SynonymWeightDefault)
	c.RerankCandidates = min(cmp.Or(c.RerankCandidates, RerankCandidatesDefault), retrieval.CandidatesDefault)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.MinEvidence = cmp.Or(c.MinEvidence, 0.3)
	c.MinVector = cmp.Or(c.MinVector, 0.5)
	c.HistoryTokens = cmp.Or(c.HistoryTokens, 1500)
	c.HistoryTurns = cmp.Or(c.HistoryTurns, 12)
	c.TraitsBytes = cmp.Or(c.TraitsBytes, 2000)
	c.Mode = cmp.Or(c.Mode, retrieval.ModeHybrid)
	return c
}

// Engine answers questions.
type Engine struct {
	search Searcher
	embed  llm.Embedder
	chat   llm.ChatModel
	faq    *faqMatcher
	cfg    Config
}

// New wires the engine.
func New(search Searcher, embed llm.Embedder, chat llm.ChatModel, cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{search: search, embed: embed, chat: chat, cfg: cfg,
		faq: &faqMatcher{thesaurus: cfg.Thesaurus, synonymWeight: cfg.SynonymWeight, threshold: cfg.FAQThreshold}}
}

// Request is one question in its conversation.
type Request struct {
	OrganizationID string
	Assistant      lorebase.Assistant
	Traits         json.RawMessage // the customer's traits, nil for anonymous visitors
	History        []lorebase.Message
	Question       string
	Locale         string // the thread's locale, if any
	Mode           string // retrieval mode override (evaluation)
}

// Reply is a finished answer.
type Reply struct {
	Content    string
	Sources    []lorebase.Source
	Grounded   bool
	Confidence float64
	AnswerMode string
	Model      string
	Usage      llm.Usage
	Query      string // the standalone question that was searched
	Language   string
	Retrieved  []retrieval.Result
	FAQ        FAQDecision // the curated pairs weighed and whether one answered
	// Rerank holds the reranking model's score by chunk id when one reordered Retrieved;
	// RerankError says why it did not when it failed (the retrieval order was kept).
	Rerank      map[int64]float64
	RerankError string
	Retrieval   time.Duration
	Total       time.Duration
}

// Metadata is what the reply's message metadata records.
func (r Reply) Metadata() map[string]any {
	return map[string]any{
		"grounded": r.Grounded, "confidence": round(r.Confidence), "answer_mode": r.AnswerMode, "model": r.Model,
		"usage":        map[string]int{"prompt_tokens": r.Usage.PromptTokens, "completion_tokens": r.Usage.CompletionTokens},
		"retrieval_ms": r.Retrieval.Milliseconds(), "latency_ms": r.Total.Milliseconds(),
		"query": r.Query, "language": r.Language,
	}
}

func round(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// Answer produces the reply. onToken, when set, receives the answer text as it is produced.
func (e *Engine) Answer(ctx context.Context, req Request, onToken func(string) error) (Reply, error) {
	start := time.Now()
	rep := Reply{Language: e.language(req)}
	query, usage, err := e.standalone(ctx, req)
	if err != nil {
		return rep, err
	}
	rep.Query, rep.Usage = query, usage

	got, err := e.retrieve(ctx, req, query, rep.Language)
	if err != nil {
		return rep, err
	}
	results, pairs := got.results, got.pairs
	rep.Retrieved, rep.Retrieval, rep.Rerank, rep.RerankError = results, time.Since(start), got.rerank, got.rerankErr

	rep.FAQ = e.faq.decide(query, rep.Language, results, pairs)
	if best, ok := rep.FAQ.Best(); ok && rep.FAQ.Matched {
		err = e.answerFAQ(ctx, req, best.Result, &rep, onToken)
		rep.Total = time.Since(start)
		return rep, err
	}
	passages, used := e.passages(results)
	evidence := coverage(query, passages)
	best := 0.0
	for _, r := range used {
		best = max(best, r.VectorScore)
	}
	if len(passages) == 0 || (evidence < e.cfg.MinEvidence && best < e.cfg.MinVector) {
		e.abstain(req, &rep, max(evidence, best), onToken)
		rep.Total = time.Since(start)
		return rep, nil
	}

	in := promptInput{Assistant: req.Assistant, Language: rep.Language, Traits: req.Traits, History: e.recent(req.History),
		Question: req.Question, Passages: passages}
	creq := llm.ChatRequest{Messages: buildMessages(in, e.cfg.HistoryTokens, e.cfg.TraitsBytes), Passages: passages, Question: query}
	resp, err := e.complete(ctx, creq, onToken)
	if err != nil {
		return rep, err
	}
	rep.Model = cmp.Or(resp.Model, e.chat.Name())
	rep.Usage.PromptTokens += resp.Usage.PromptTokens
	rep.Usage.CompletionTokens += resp.Usage.CompletionTokens
	cited, content := citations(resp.Content, len(passages))
	if strings.TrimSpace(content) == "" {
		e.abstain(req, &rep, evidence, onToken)
		rep.Total = time.Since(start)
		return rep, nil
	}
	rep.Content = content
	rep.AnswerMode = ModeGenerated
	if e.cfg.Extractive {
		rep.AnswerMode = ModeExtractive
	}
	for _, n := range cited {
		rep.Sources = append(rep.Sources, source(used[n-1]))
	}
	rep.Grounded = len(rep.Sources) > 0
	rep.Confidence = max(evidence, best)
	if !rep.Grounded {
		rep.Confidence /= 2
	}
	rep.Total = time.Since(start)
	return rep, nil
}

func (e *Engine) language(req Request) string {
	if req.Locale != "" {
		return textkit.BaseLanguage(req.Locale)
	}
	if l := textkit.DetectLanguage(req.Question); l != "" {
		return l
	}
	return textkit.BaseLanguage(cmp.Or(req.Assistant.Language, "en"))
}

func (e *Engine) recent(h []lorebase.Message) []lorebase.Message {
	if len(h) > e.cfg.HistoryTurns {
		return h[len(h)-e.cfg.HistoryTurns:]
	}
	return h
}

// standalone rewrites a follow-up into a question that can be searched on its own: by the
// chat model when one is configured, by a heuristic otherwise.
func (e *Engine) standalone(ctx context.Context, req Request) (string, llm.Usage, error) {
	hist := e.recent(req.History)
	if len(hist) == 0 {
		return req.Question, llm.Usage{}, nil
	}
	var userTurns []string
	for _, m := range hist {
		if m.Sender != lorebase.SenderAssistant {
			userTurns = append(userTurns, m.Content)
		}
	}
	if e.cfg.Extractive {
		return textkit.Rewrite(userTurns, req.Question), llm.Usage{}, nil
	}
	var convo strings.Builder
	for _, m := range historyWithin(hist, 600) {
		fmt.Fprintf(&convo, "%s: %s\n", m.Role, truncate(m.Content, 600))
	}
	resp, err := e.chat.Chat(ctx, llm.ChatRequest{MaxTokens: 120, Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "Rewrite the user's last message as one standalone question that can be understood without the conversation. Keep its language. Reply with the question only."},
		{Role: llm.RoleUser, Content: "Conversation:\n" + convo.String() + "\nLast message: " + req.Question},
	}})
	if err != nil {
		return "", llm.Usage{}, err
	}
	q := strings.TrimSpace(resp.Content)
	if q == "" || len(q) > 4*len(req.Question)+400 {
		q = textkit.Rewrite(userTurns, req.Question)
	}
	return q, resp.Usage, nil
}

// retrieved is what retrieve found.
type retrieved struct {
	results   []retrieval.Result
	pairs     []retrieval.Result // the FAQ search's curated pairs
	rerank    map[int64]float64  // by chunk id, when a reranker reordered results
	rerankErr string
}

// retrieve returns the passages for the answer, reordered by the reranking model when one is
// configured (it sees RerankCandidates of them; a failure keeps the retrieval order), and, in
// a second search restricted to curated Q&A pairs, the candidates of the FAQ decision (a
// pair's question can be a close paraphrase of the asked one and still rank below the K best
// passages).
func (e *Engine) retrieve(ctx context.Context, req Request, query, lang string) (retrieved, error) {
	var out retrieved
	org, err := uuid.Parse(req.OrganizationID)
	if err != nil {
		return out, fmt.Errorf("organization id: %w", err)
	}
	var assistant uuid.UUID
	if req.Assistant.ID != "" {
		if assistant, err = uuid.Parse(req.Assistant.ID); err != nil {
			return out, fmt.Errorf("assistant id: %w", err)
		}
	}
	mode := cmp.Or(req.Mode, e.cfg.Mode)
	q := retrieval.Query{OrganizationID: org, AssistantID: assistant, Text: query, Language: lang, K: e.cfg.K, Mode: mode,
		EmbeddingModel: e.embed.Model(), Dims: e.embed.Dimensions()}
	if mode != retrieval.ModeLexical {
		vecs, err := e.embed.Embed(ctx, []string{query})
		if err != nil {
			return out, fmt.Errorf("embed the question: %w", err)
		}
		q.Embedding = vecs[0]
	}
	if e.cfg.Reranker != nil {
		q.K = max(e.cfg.K, e.cfg.RerankCandidates)
	}
	if out.results, err = e.search.Search(ctx, q); err != nil {
		return out, err
	}
	if e.cfg.Reranker != nil {
		out.results, out.rerank, err = e.rerank(ctx, query, out.results)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			out.rerankErr = err.Error()
			e.cfg.Logger.Warn("rerank failed; the retrieval order is kept", slog.String("reranker", e.cfg.Reranker.Name()),
				slog.String("error", err.Error()))
		}
		if len(out.results) > e.cfg.K {
			out.results = out.results[:e.cfg.K]
		}
	}
	if e.cfg.FAQCandidates > 0 {
		q.K, q.Kinds = e.cfg.FAQCandidates, []lorebase.ChunkKind{lorebase.ChunkQA}
		if out.pairs, err = e.search.Search(ctx, q); err != nil {
			return out, fmt.Errorf("search the curated pairs: %w", err)
		}
	}
	return out, nil
}

// rerank reorders results by the reranking model's scores (ties keep the retrieval order).
// On error it returns results unchanged.
func (e *Engine) rerank(ctx context.Context, query string, results []retrieval.Result) ([]retrieval.Result, map[int64]float64, error) {
	if len(results) < 2 {
		return results, nil, nil
	}
	texts := make([]string, len(results))
	for i, r := range results {
		if r.Kind == lorebase.ChunkQA {
			texts[i] = r.Content // question and answer: a cross-encoder judges both
		} else {
			texts[i] = strings.TrimSpace(r.Title + "\n" + r.Content)
		}
	}
	scores, err := e.cfg.Reranker.Rerank(ctx, query, texts)
	if err != nil {
		return results, nil, err
	}
	if len(scores) != len(results) {
		return results, nil, fmt.Errorf("reranker returned %d scores for %d passages", len(scores), len(results))
	}
	byChunk := make(map[int64]float64, len(results))
	idx := make([]int, len(results))
	for i := range idx {
		idx[i] = i
		byChunk[results[i].ID] = scores[i]
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	out := make([]retrieval.Result, len(results))
	for i, j := range idx {
		out[i] = results[j]
	}
	return out, byChunk, nil
}

// mergeResults is results followed by the entries of pairs not among them.
func mergeResults(results, pairs []retrieval.Result) []retrieval.Result {
	seen := make(map[int64]bool, len(results))
	out := append([]retrieval.Result(nil), results...)
	for _, r := range results {
		seen[r.ID] = true
	}
	for _, p := range pairs {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

func (e *Engine) answerFAQ(ctx context.Context, req Request, r retrieval.Result, rep *Reply, onToken func(string) error) error {
	_, answer := splitQA(r.Content)
	rep.Content, rep.AnswerMode, rep.Grounded, rep.Model = citeCurated(answer), ModeFAQ, true, "curated"
	rep.Confidence = max(r.VectorScore, 0.9)
	rep.Sources = []lorebase.Source{source(r)}
	if e.cfg.SmoothFAQ && !e.cfg.Extractive {
		in := promptInput{Assistant: req.Assistant, Language: rep.Language, Traits: req.Traits, Question: req.Question,
			Passages: []llm.Passage{{N: 1, Title: r.Title, Text: r.Content}}}
		creq := llm.ChatRequest{Messages: buildMessages(in, 0, e.cfg.TraitsBytes), Passages: in.Passages, Question: req.Question}
		resp, err := e.complete(ctx, creq, onToken)
		if err != nil {
			return err
		}
		if cited, content := citations(resp.Content, 1); content != "" {
			if len(cited) == 0 {
				content = citeCurated(content) // the rephrased curated answer still names its source
			}
			rep.Content, rep.Model = content, resp.Model
			rep.Usage.PromptTokens += resp.Usage.PromptTokens
			rep.Usage.CompletionTokens += resp.Usage.CompletionTokens
		}
		return nil
	}
	if onToken != nil {
		return onToken(rep.Content)
	}
	return nil
}

// complete asks the chat model, streaming when the caller wants tokens.
func (e *Engine) complete(ctx context.Context, creq llm.ChatRequest, onToken func(string) error) (llm.ChatResponse, error) {
	if onToken != nil {
		return e.chat.Stream(ctx, creq, onToken)
	}
	return e.chat.Chat(ctx, creq)
}

func (e *Engine) abstain(req Request, rep *Reply, score float64, onToken func(string) error) {
	rep.Content = abstainMessage(rep.Language, req.Assistant.DefaultTasks)
	rep.AnswerMode, rep.Grounded, rep.Sources, rep.Confidence = ModeAbstain, false, nil, score
	if rep.Model == "" {
		rep.Model = e.chat.Name()
	}
	if onToken != nil {
		_ = onToken(rep.Content)
	}
}

// passages numbers the best text results for the prompt (Q&A pairs that did not match well
// enough still count as passages).
func (e *Engine) passages(results []retrieval.Result) ([]llm.Passage, []retrieval.Result) {
	var out []llm.Passage
	var used []retrieval.Result
	for _, r := range results {
		if len(out) == e.cfg.MaxPassages {
			break
		}
		title := r.Title
		if len(r.HeadingPath) > 0 {
			title += " > " + strings.Join(r.HeadingPath, " > ")
		}
		if r.Page > 0 {
			title += fmt.Sprintf(" (page %d)", r.Page)
		}
		// A section's headings say what its sentences are about ("Vorfilter reinigen" over
		// "Saugen Sie das Vorfiltergewebe alle zwei Wochen ab"), as a curated question does for
		// its answer: an extractive answerer matches on them without quoting them.
		p := llm.Passage{N: len(out) + 1, Title: title, Text: r.Content, Context: strings.Join(r.HeadingPath, "\n")}
		if r.Kind == lorebase.ChunkQA {
			// A curated pair is quoted by its answer, never its question: the question is the
			// passage's title (what the model reads it as) and its context (what an extractive
			// answerer matches on).
			question, answer := splitQA(r.Content)
			p.Title, p.Context, p.Text = question, question, answer
		}
		out = append(out, p)
		used = append(used, r)
	}
	return out, used
}

// coverage is the evidence passages hold for question (textkit.Extract's confidence); a Q&A
// pair's question counts as the context of its answer.
func coverage(question string, passages []llm.Passage) float64 {
	ps := make([]textkit.Passage, len(passages))
	for i, p := range passages {
		ps[i] = textkit.Passage{N: p.N, Text: p.Text, Context: p.Context}
	}
	return textkit.Extract(question, ps, textkit.ExtractConfig{}).Confidence
}

func source(r retrieval.Result) lorebase.Source {
	return lorebase.Source{Type: r.ItemType, KnowledgeID: r.ItemID, Title: r.Title, Snippet: truncate(strings.TrimSpace(r.Content), 300),
		URL: r.URL, Page: r.Page, Score: round(r.Score)}
}

// splitQA splits a Q&A chunk ("question\nanswer", as worker/ingest_qa.go writes it) into its
// question and answer. A chunk without a line break is all question.
func splitQA(content string) (question, answer string) {
	q, a, _ := strings.Cut(content, "\n")
	return strings.TrimSpace(q), strings.TrimSpace(a)
}
