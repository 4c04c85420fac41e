package eval

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/lorebase/lorebase/retrieval"
)

// Report is what a run measured. Rates are in 0..1; a metric with no question to measure it
// (say, abstention on a set without unanswerable questions) is absent.
type Report struct {
	Dataset         string             `json:"dataset"`
	Format          string             `json:"format"`
	CreatedAt       time.Time          `json:"created_at"`
	Config          ReportConfig       `json:"config"`
	Documents       int                `json:"documents"`
	FailedDocuments []FailedDocument   `json:"failed_documents"`
	Questions       int                `json:"questions"`
	Errors          int                `json:"errors"`
	IngestSeconds   float64            `json:"ingest_seconds"`
	AskSeconds      float64            `json:"ask_seconds"`
	Overall         Metrics            `json:"overall"`
	Languages       map[string]Metrics `json:"languages"`
}

// ReportConfig records how the run was made, so two reports can be told apart.
type ReportConfig struct {
	Mode          string   `json:"mode"`
	Modes         []string `json:"modes"`
	K             int      `json:"k"`
	Depth         int      `json:"depth"`
	Sample        int      `json:"sample"`
	Seed          uint64   `json:"seed"`
	Embedder      string   `json:"embedder"`
	EmbeddingDims int      `json:"embedding_dims"`
	ChatModel     string   `json:"chat_model"`
	Concurrency   int      `json:"concurrency"`
}

// Metrics aggregate a group of questions.
type Metrics struct {
	Questions int                        `json:"questions"`
	Retrieval map[string]RetrievalReport `json:"retrieval"` // by mode
	Answer    AnswerReport               `json:"answer"`
	Latency   Latency                    `json:"latency_ms"` // of the answer pass
}

// RetrievalReport averages the ranking metrics of the questions with relevant documents.
type RetrievalReport struct {
	Questions int         `json:"questions"`
	Mean      RankMetrics `json:"mean"`
	LatencyMS Percentiles `json:"latency_ms"`
}

// AnswerReport scores the replies.
type AnswerReport struct {
	K                  int      `json:"k"`
	HitAtK             *float64 `json:"hit@k,omitempty"`
	Scored             int      `json:"scored"` // answerable questions with gold answers
	ExactMatch         *float64 `json:"exact_match,omitempty"`
	F1                 *float64 `json:"f1,omitempty"`
	Contains           *float64 `json:"contains,omitempty"`
	Cited              int      `json:"cited"` // questions with relevant documents and citations
	CitationPrecision  *float64 `json:"citation_precision,omitempty"`
	Unanswerable       int      `json:"unanswerable"`
	AbstentionAccuracy *float64 `json:"abstention_accuracy,omitempty"`
	FalseAbstention    *float64 `json:"false_abstention,omitempty"` // answerable questions abstained on
	FAQQuestions       int      `json:"faq_questions"`
	FAQMatchAccuracy   *float64 `json:"faq_match_accuracy,omitempty"`
	// The FAQ decision: the best candidate pair is a right one (whether it answered or not),
	// the share of curated answers that came from a right pair, the share of questions with an
	// expected pair answered from one, and the share of unanswerable questions a pair answered.
	FAQPrecisionAt1      *float64       `json:"faq_p@1,omitempty"`
	FAQDecisionPrecision *float64       `json:"faq_decision_precision,omitempty"`
	FAQDecisionRecall    *float64       `json:"faq_decision_recall,omitempty"`
	FAQFalseMatch        *float64       `json:"faq_false_match,omitempty"`
	Modes                map[string]int `json:"answer_modes"`
}

// Latency of the answer pass: retrieval (rewrite, embed, search) and the whole answer.
type Latency struct {
	Retrieval Percentiles `json:"retrieval"`
	Total     Percentiles `json:"total"`
}

// Percentiles of a latency, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

func percentiles(ds []time.Duration) Percentiles {
	return Percentiles{P50: ms(Percentile(ds, 50)), P95: ms(Percentile(ds, 95)), P99: ms(Percentile(ds, 99))}
}

func (r *Runner) report(ds Dataset, ing ingestion, results []Result, ask time.Duration) *Report {
	rep := &Report{
		Dataset: ds.Name(), Format: ds.Format(), CreatedAt: time.Now().UTC().Truncate(time.Second),
		Config: ReportConfig{Mode: r.cfg.Mode, Modes: r.cfg.Modes, K: cmp.Or(r.cfg.K, retrieval.KDefault), Depth: r.cfg.Depth,
			Sample: r.cfg.Sample, Seed: r.cfg.Seed, Embedder: r.deps.Embedder.Model(), EmbeddingDims: r.deps.Embedder.Dimensions(),
			ChatModel: r.deps.Chat.Name(), Concurrency: r.cfg.Concurrency},
		Documents: ing.Documents, FailedDocuments: ing.Failed, Questions: len(results),
		IngestSeconds: ing.Duration.Seconds(), AskSeconds: ask.Seconds(), Languages: map[string]Metrics{},
	}
	if rep.FailedDocuments == nil {
		rep.FailedDocuments = []FailedDocument{}
	}
	byLang := map[string][]Result{}
	for _, res := range results {
		if res.Error != "" {
			rep.Errors++
		}
		byLang[res.Language] = append(byLang[res.Language], res)
	}
	rep.Overall = aggregate(results, r.cfg.Modes, rep.Config.K)
	for _, lang := range slices.Sorted(maps.Keys(byLang)) {
		rep.Languages[cmp.Or(lang, "unknown")] = aggregate(byLang[lang], r.cfg.Modes, rep.Config.K)
	}
	return rep
}

// mean accumulates an average.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64) { m.sum += v; m.n++ }
func (m *mean) addPtr(v *float64) {
	if v != nil {
		m.add(*v)
	}
}
func (m mean) value() *float64 {
	if m.n == 0 {
		return nil
	}
	return ptr(m.sum / float64(m.n))
}

func aggregate(results []Result, modes []string, k int) Metrics {
	out := Metrics{Questions: len(results), Retrieval: map[string]RetrievalReport{}}
	for _, mode := range modes {
		var ndcg, r1, r5, r10, r100, mrr mean
		var lat []time.Duration
		for _, res := range results {
			if d, ok := res.passLatency[mode]; ok {
				lat = append(lat, d)
			}
			m, ok := res.Metrics.Retrieval[mode]
			if !ok {
				if len(res.Relevant) == 0 {
					continue
				}
				m = RankMetrics{} // the search failed: scores nothing
			}
			ndcg.add(m.NDCG10)
			r1.add(m.Recall1)
			r5.add(m.Recall5)
			r10.add(m.Recall10)
			r100.add(m.Recall100)
			mrr.add(m.MRR10)
		}
		rr := RetrievalReport{Questions: ndcg.n, LatencyMS: percentiles(lat)}
		if ndcg.n > 0 {
			rr.Mean = RankMetrics{NDCG10: *ndcg.value(), Recall1: *r1.value(), Recall5: *r5.value(), Recall10: *r10.value(),
				Recall100: *r100.value(), MRR10: *mrr.value()}
		}
		out.Retrieval[mode] = rr
	}

	var hit, em, f1, contains, cite, abstain, falseAbstain, faq, faqTop1, faqPrecision, faqFalse mean
	a := AnswerReport{K: k, Modes: map[string]int{}}
	var retrievalLat, totalLat []time.Duration
	for _, res := range results {
		m := res.Metrics
		hit.addPtr(m.HitAtK)
		em.addPtr(m.ExactMatch)
		f1.addPtr(m.F1)
		contains.addPtr(m.Contains)
		cite.addPtr(m.CitationPrecision)
		abstained := 0.0
		if m.Abstained {
			abstained = 1
		}
		if res.Answerable {
			falseAbstain.add(abstained)
		} else {
			abstain.add(abstained)
		}
		if m.FAQMatch != nil {
			faq.add(map[bool]float64{true: 1}[*m.FAQMatch])
		}
		if m.FAQTop1 != nil {
			faqTop1.add(map[bool]float64{true: 1}[*m.FAQTop1])
		}
		if m.FAQAnswered {
			faqPrecision.add(map[bool]float64{true: 1}[m.FAQCorrect])
		}
		if !res.Answerable {
			faqFalse.add(map[bool]float64{true: 1}[m.FAQAnswered])
		}
		a.Modes[cmp.Or(res.AnswerMode, "error")]++
		retrievalLat = append(retrievalLat, res.retrieval)
		totalLat = append(totalLat, res.total)
	}
	a.HitAtK, a.ExactMatch, a.F1, a.Contains = hit.value(), em.value(), f1.value(), contains.value()
	a.Scored, a.Cited, a.CitationPrecision = em.n, cite.n, cite.value()
	a.Unanswerable, a.AbstentionAccuracy, a.FalseAbstention = abstain.n, abstain.value(), falseAbstain.value()
	a.FAQQuestions, a.FAQMatchAccuracy = faq.n, faq.value()
	a.FAQPrecisionAt1, a.FAQDecisionPrecision, a.FAQDecisionRecall = faqTop1.value(), faqPrecision.value(), faq.value()
	if faq.n > 0 || faqPrecision.n > 0 {
		a.FAQFalseMatch = faqFalse.value()
	}
	out.Answer = a
	out.Latency = Latency{Retrieval: percentiles(retrievalLat), Total: percentiles(totalLat)}
	return out
}
