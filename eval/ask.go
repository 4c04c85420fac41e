package eval

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/eval/rank"
	"github.com/lorebase/lorebase/retrieval"
	"github.com/lorebase/lorebase/store"
)

// Result is one question's outcome: what was retrieved and answered, and its metrics.
type Result struct {
	ID         string   `json:"id"`
	Question   string   `json:"question"`
	Language   string   `json:"language"`
	Kind       string   `json:"kind,omitempty"`
	Answerable bool     `json:"answerable"`
	Relevant   []string `json:"relevant"`
	Gold       []string `json:"gold_answers,omitempty"`
	FAQ        []string `json:"expected_faq,omitempty"`
	Query      string   `json:"query"` // the standalone question the engine searched

	Retrieved  []Retrieved         `json:"retrieved"` // the answer pass, chunk by chunk
	Rankings   map[string][]Ranked `json:"rankings"`  // the retrieval pass per mode, top 10 documents
	Reply      string              `json:"reply"`
	AnswerMode string              `json:"answer_mode"`
	Confidence float64             `json:"confidence"`               // the reply's evidence (or curated match), what abstention compares
	Sources    []string            `json:"sources"`                  // document ids of the cited sources
	FAQCands   []FAQCandidate      `json:"faq_candidates,omitempty"` // the FAQ decision's candidates, best first
	Error      string              `json:"error,omitempty"`
	Metrics    QuestionMetrics     `json:"metrics"`
	Latency    map[string]float64  `json:"latency_ms"`

	retrieval, total time.Duration
	passLatency      map[string]time.Duration
}

// Retrieved is one chunk of the answer pass.
type Retrieved struct {
	Document string  `json:"document"`
	ChunkID  int64   `json:"chunk_id"`
	Score    float64 `json:"score"`
	Lexical  float64 `json:"lexical_score"`
	Vector   float64 `json:"vector_score"`
}

// FAQCandidate is a curated pair the FAQ decision weighed.
type FAQCandidate struct {
	Document string  `json:"document"`
	Question float64 `json:"question"` // similarity to the pair's question
	Forward  float64 `json:"forward"`
	Backward float64 `json:"backward"`
	Exact    float64 `json:"exact"`
	Uniform  float64 `json:"uniform"`
	Answer   float64 `json:"answer"` // coverage by the pair's answer
	Score    float64 `json:"score"`  // the matcher's ranking score
	Fused    float64 `json:"fused"`
	Lexical  float64 `json:"lexical_score"`
	Vector   float64 `json:"vector_score"`
	Matched  bool    `json:"matched,omitempty"` // the pair answered
}

// Ranked is a document with its best chunk's score.
type Ranked struct {
	Document string  `json:"document"`
	Score    float64 `json:"score"`
}

// QuestionMetrics are one question's scores; nil means not applicable.
type QuestionMetrics struct {
	Retrieval         map[string]RankMetrics `json:"retrieval,omitempty"`
	HitAtK            *float64               `json:"hit_at_k,omitempty"`
	ExactMatch        *float64               `json:"exact_match,omitempty"`
	F1                *float64               `json:"f1,omitempty"`
	Contains          *float64               `json:"contains,omitempty"`
	CitationPrecision *float64               `json:"citation_precision,omitempty"`
	Abstained         bool                   `json:"abstained"`
	FAQMatch          *bool                  `json:"faq_match,omitempty"`
	FAQTop1           *bool                  `json:"faq_top1,omitempty"` // the best candidate pair is right, answered or not
	FAQAnswered       bool                   `json:"faq_answered"`       // a curated pair answered
	FAQCorrect        bool                   `json:"faq_correct"`        // ... and it is one that answers the question
}

// RankMetrics are the ranking metrics of one retrieval.
type RankMetrics struct {
	NDCG10    float64 `json:"ndcg@10"`
	Recall1   float64 `json:"recall@1"`
	Recall5   float64 `json:"recall@5"`
	Recall10  float64 `json:"recall@10"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
}

func rankMetrics(ranked []string, relevant map[string]bool) RankMetrics {
	return RankMetrics{NDCG10: rank.NDCG(ranked, relevant, 10), Recall1: rank.Recall(ranked, relevant, 1), Recall5: rank.Recall(ranked, relevant, 5),
		Recall10: rank.Recall(ranked, relevant, 10), Recall100: rank.Recall(ranked, relevant, 100), MRR10: rank.MRR(ranked, relevant, 10)}
}

// ask puts every question through answer.Engine, the API's answer path, with bounded
// concurrency, then runs the retrieval pass for the ranking metrics.
func (r *run) ask(ctx context.Context, questions []Question) ([]Result, error) {
	cfg := r.cfg.Answer
	cfg.K, cfg.Mode = r.cfg.K, r.cfg.Mode
	engine := answer.New(r.search, r.deps.Embedder, r.deps.Chat, cfg)
	results := make([]Result, len(questions))
	r.deps.Progress.Start("ask", len(questions))
	defer r.deps.Progress.Finish()
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.cfg.Concurrency)
	for i, q := range questions {
		g.Go(func() error {
			res, err := r.askOne(gctx, engine, q)
			if err != nil {
				return err
			}
			results[i] = res
			r.deps.Progress.Set(int(done.Add(1)))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

func (r *run) askOne(ctx context.Context, engine *answer.Engine, q Question) (Result, error) {
	res := Result{ID: q.ID, Question: q.Text, Language: q.Language, Kind: q.Kind, Answerable: q.Answerable, Relevant: q.Relevant,
		Gold: q.Answers, FAQ: expectedFAQs(q), Rankings: map[string][]Ranked{}, passLatency: map[string]time.Duration{}, Latency: map[string]float64{}}
	if res.Relevant == nil {
		res.Relevant = []string{}
	}
	assistant, err := r.assistant(ctx, q.Language)
	if err != nil {
		return res, err
	}
	req := answer.Request{OrganizationID: r.org, Assistant: assistant, Question: q.Text, Mode: r.cfg.Mode}
	for _, t := range q.History {
		sender := lorebase.SenderUser
		if t.Role == "assistant" {
			sender = lorebase.SenderAssistant
		}
		req.History = append(req.History, lorebase.Message{Sender: sender, Content: t.Content})
	}
	rep, err := engine.Answer(ctx, req, nil)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.Error = err.Error()
	}
	res.Query, res.Reply, res.AnswerMode, res.Confidence = rep.Query, rep.Content, rep.AnswerMode, round3(rep.Confidence)
	res.retrieval, res.total = rep.Retrieval, rep.Total
	res.Latency["retrieval"], res.Latency["total"] = ms(rep.Retrieval), ms(rep.Total)
	res.Retrieved = []Retrieved{}
	for _, c := range rep.Retrieved {
		res.Retrieved = append(res.Retrieved, Retrieved{Document: r.documentID(c.ItemID), ChunkID: c.ID, Score: c.Score,
			Lexical: c.LexicalScore, Vector: c.VectorScore})
	}
	for i, c := range rep.FAQ.Candidates {
		res.FAQCands = append(res.FAQCands, FAQCandidate{Document: r.documentID(c.Result.ItemID), Question: round3(c.Question),
			Forward: round3(c.Forward), Backward: round3(c.Backward), Exact: round3(c.Exact), Uniform: round3(c.Uniform),
			Answer: round3(c.Answer), Score: round3(c.Score), Fused: round3(c.Result.Score), Lexical: round3(c.Result.LexicalScore),
			Vector: round3(c.Result.VectorScore), Matched: i == 0 && rep.FAQ.Matched})
	}
	res.Sources = []string{}
	for _, s := range rep.Sources {
		res.Sources = append(res.Sources, r.documentID(s.KnowledgeID))
	}
	if res.Error == "" {
		if err := r.retrievalPass(ctx, assistant, rep, &res); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.Error = err.Error()
		}
	}
	r.score(q, rep, &res)
	return res, nil
}

// retrievalPass searches the standalone question once per configured mode, deep enough for
// recall@Depth, with the embedder and searcher the engine uses: the answer pass keeps its
// configured K, so what is answered is what users get.
func (r *run) retrievalPass(ctx context.Context, assistant lorebase.Assistant, rep answer.Reply, res *Result) error {
	org, err := uuid.Parse(r.org)
	if err != nil {
		return err
	}
	aid, _ := uuid.Parse(assistant.ID)
	var embedding []float32
	var embedTime time.Duration
	for _, mode := range r.cfg.Modes {
		start := time.Now()
		q := retrieval.Query{OrganizationID: org, AssistantID: aid, Text: rep.Query, Language: rep.Language, K: r.cfg.Depth, Mode: mode,
			EmbeddingModel: r.deps.Embedder.Model(), Dims: r.deps.Embedder.Dimensions()}
		if mode != retrieval.ModeLexical {
			if embedding == nil {
				vecs, err := r.deps.Embedder.Embed(ctx, []string{rep.Query})
				if err != nil {
					return fmt.Errorf("embed the question: %w", err)
				}
				embedding, embedTime = vecs[0], time.Since(start)
				start = time.Now()
			}
			q.Embedding = embedding
		}
		found, err := r.search.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("%s search: %w", mode, err)
		}
		took := time.Since(start)
		if mode != retrieval.ModeLexical {
			took += embedTime
		}
		res.passLatency[mode] = took
		res.Latency["search_"+mode] = ms(took)
		ids, scores := r.rankedDocuments(found)
		if res.Metrics.Retrieval == nil {
			res.Metrics.Retrieval = map[string]RankMetrics{}
		}
		if len(res.Relevant) > 0 {
			res.Metrics.Retrieval[mode] = rankMetrics(ids, set(res.Relevant))
		}
		top := []Ranked{}
		for i := 0; i < len(ids) && i < 10; i++ {
			top = append(top, Ranked{Document: ids[i], Score: scores[i]})
		}
		res.Rankings[mode] = top
	}
	return nil
}

// score fills the answer metrics of one question.
func (r *run) score(q Question, rep answer.Reply, res *Result) {
	m := &res.Metrics
	m.Abstained = rep.AnswerMode == answer.ModeAbstain
	relevant := set(q.Relevant)
	if len(relevant) > 0 {
		ids, _ := r.rankedDocuments(rep.Retrieved)
		m.HitAtK = ptr(rank.Hit(ids, relevant, len(rep.Retrieved)))
		if len(res.Sources) > 0 {
			good := 0
			for _, s := range res.Sources {
				if relevant[s] {
					good++
				}
			}
			m.CitationPrecision = ptr(float64(good) / float64(len(res.Sources)))
		}
	}
	if q.Answerable && len(q.Answers) > 0 {
		m.ExactMatch, m.F1, m.Contains = ptr(ExactMatch(rep.Content, q.Answers)), ptr(F1(rep.Content, q.Answers)), ptr(Contains(rep.Content, q.Answers))
	}
	expected := set(expectedFAQs(q))
	m.FAQAnswered = rep.AnswerMode == answer.ModeFAQ && len(res.Sources) > 0
	// A pair answered rightly when it is an expected pair or one of the question's sources.
	m.FAQCorrect = m.FAQAnswered && (expected[res.Sources[0]] || relevant[res.Sources[0]])
	if len(expected) > 0 {
		ok := m.FAQAnswered && expected[res.Sources[0]]
		m.FAQMatch = &ok
		top := len(res.FAQCands) > 0 && expected[res.FAQCands[0].Document]
		m.FAQTop1 = &top
	}
}

// assistant returns the run's assistant for a language, creating the row on first use.
func (r *run) assistant(ctx context.Context, language string) (lorebase.Assistant, error) {
	language = cmpOr(language, r.cfg.Language)
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.assistantRows[language]; ok {
		return a, nil
	}
	a, err := store.NewAssistants(r.deps.Pool).Create(ctx, lorebase.Assistant{OrganizationID: r.org, Name: "eval " + language,
		Description: "evaluation run", Tone: "neutral", Language: language, IsActive: true})
	if err != nil {
		return a, fmt.Errorf("create the %s assistant: %w", language, err)
	}
	r.assistantRows[language] = a
	return a, nil
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func ptr[T any](v T) *T { return &v }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// expectedFAQs lists the pairs that may answer q.
func expectedFAQs(q Question) []string {
	if q.FAQ == "" {
		return q.FAQs
	}
	out := []string{q.FAQ}
	for _, f := range q.FAQs {
		if f != q.FAQ {
			out = append(out, f)
		}
	}
	return out
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
