package retrieval

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
)

// Pseudo-relevance feedback defaults (RM3: Lavrenko and Croft 2001, with the original query
// interpolated as in Abdul-Jaleel et al. 2004 and Anserini), chosen on NFCorpus's dev queries
// and XQuAD (README, evaluation).
//
// Feedback is selective. Expanding a query from its first results helps when the evidence is
// spread over many similar chunks (a topical query over a field of documents: NFCorpus's
// nutrition questions, +2.5 points of nDCG@10 on its dev queries when always on) and drifts away
// from the one chunk that answers a precise question (XQuAD: -1 point of nDCG@10, -3 of
// recall@1 when always on). The first pass's own scores tell the two apart: feedback runs only
// when the FeedbackDocs-th chunk scores within a factor FeedbackSpreadDefault of the best one,
// or when fewer chunks than that matched at all (feedbackApplies). Measured with lorebase eval,
// off → on: NFCorpus dev nDCG@10 .297 → .321 lexical, .301 → .309 hybrid (test .320 → .341,
// .321 → .332); XQuAD en/de lose at most .008 of recall@1 and testdata kb/kb-de nothing
// (README, evaluation); faq-dev does not move (pairs never feed back).
//
// TestBM25PruningIsExact once failed intermittently with feedback on. The cause was not
// feedback: the BM25 statement's full path took a LIMIT over a join whose order the planner may
// drop once the tables are analyzed (see bm25SQL); feedback's 20-term second pass merely reached
// that path more often. That is fixed.
//
// FeedbackDocsDefault is 0: feedback is OFF by default, for speed. Where it applies it costs a
// round trip for the feedback chunks' term vectors and a second lexical pass over 20-odd mostly
// common terms: on BenchmarkSearch100k (whose synthetic queries mostly pass the gate) hybrid QPS
// fell to .27-.31 of raw kNN's from .51-.56, the lexical leg's p50 from about 1 ms to 6.5, and at
// 1M chunks hybrid's p50 at 1 client rose from 38-39 ms to 48 ms. For about one point of nDCG@10
// on topical corpora that is an operator's choice: FeedbackDocsOn (--feedback-docs 10) enables it.
const (
	FeedbackDocsDefault   = 0
	FeedbackDocsOn        = 10
	FeedbackTermsDefault  = 20
	FeedbackWeightDefault = 0.5
	FeedbackSpreadDefault = 2.0
)

// feedbackTermsSQL reads the postings of the first pass's best chunks (their term vectors) and
// whether each is a curated Q&A pair.
const feedbackTermsSQL = `
SELECT t.chunk_id, t.term, t.tf, t.doc_len, c.kind = 'qa'
FROM chunk_terms t JOIN chunks c ON c.id = t.chunk_id
WHERE t.organization_id = $1 AND t.chunk_id = ANY ($2::bigint[])`

// termVector is a chunk's terms with their frequencies, and its length (their sum).
type termVector struct {
	length float64
	tfs    map[string]float64
}

// feedback runs the lexical leg's second pass: the query expanded by RM3 from the first pass's
// best FeedbackDocs chunks, scored by the same BM25 with weighted terms, by whatever answered the
// first pass (the in-process index or SQL), so both paths return the same list, and whether it
// did expand.
//
// It returns the first pass unchanged when feedback does not apply (feedbackApplies: FeedbackDocs
// or more chunks matched and the best one stands out), or the search is for
// curated Q&A pairs, or one of the chunks feedback would learn from is one. A curated pair is
// the precise answer to one question, like XQuAD's paragraphs, not one document of a field:
// with feedback on pairs, faq-dev's pair ranking lost 4 points of MRR@10 and the FAQ decision
// 2.5 of recall.
func (s *Searcher) feedback(ctx context.Context, q Query, lp lexPass, limit int) ([]scored, bool, error) {
	if !feedbackApplies(lp.list, s.cfg.FeedbackDocs, limit, s.cfg.FeedbackSpread) || (len(q.Kinds) == 1 && q.Kinds[0] == lorebase.ChunkQA) {
		return lp.list, false, nil
	}
	fb := lp.list[:min(len(lp.list), s.cfg.FeedbackDocs)]
	ids := make([]int64, len(fb))
	for i, c := range fb {
		ids[i] = c.chunkID
	}
	br := s.db.SendBatch(ctx, queue(feedbackTermsSQL, q.OrganizationID, ids))
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, false, fmt.Errorf("feedback terms: %w", err)
	}
	vecs := make(map[int64]termVector, len(ids))
	pairs := false
	for rows.Next() {
		var (
			id       int64
			term     string
			tf, dlen int32
			qa       bool
		)
		if err := rows.Scan(&id, &term, &tf, &dlen, &qa); err != nil {
			rows.Close()
			br.Close()
			return nil, false, fmt.Errorf("feedback terms: %w", err)
		}
		v, ok := vecs[id]
		if !ok {
			v = termVector{length: float64(dlen), tfs: map[string]float64{}}
			vecs[id] = v
		}
		v.tfs[term] = float64(clampTF(tf)) // as the in-process index keeps it
		pairs = pairs || qa
	}
	if err := rows.Err(); err != nil {
		br.Close()
		return nil, false, fmt.Errorf("feedback terms: %w", err)
	}
	if err := br.Close(); err != nil {
		return nil, false, fmt.Errorf("feedback terms: %w", err)
	}
	if pairs {
		return lp.list, false, nil
	}
	expanded := rm3(lp.query, fb, vecs, s.cfg.FeedbackTerms, s.cfg.FeedbackWeight)
	if len(expanded.terms) == 0 {
		return lp.list, false, nil
	}
	if lp.org != nil {
		f := newLexFilter(q)
		lp.org.mu.RLock()
		defer lp.org.mu.RUnlock()
		return lp.org.search(expanded.terms, expanded.weights, f, limit, s.cfg.K1, s.cfg.B, nil), true, nil
	}
	batch := &pgx.Batch{}
	s.queueLexical(batch, q, lp.st, limit, expanded)
	br = s.db.SendBatch(ctx, batch)
	defer br.Close()
	list, _, err := readLexical(br, lp.st)
	if err != nil {
		return nil, false, err
	}
	return list, true, br.Close()
}

// feedbackApplies reports whether feedback runs on a first pass that returned list, cut at
// limit: when fewer than docs chunks matched the query at all (and the list was not cut), or
// when its best docs chunks all score within a factor spread of the best one.
//
// Few matches are sparse evidence: the question's words are rare in this knowledge, and the
// few chunks that have them are the best clue to the words the rest of it uses (NFCorpus's
// one-word topics such as "lard", which one abstract of 54 relevant ones names). Feedback then
// learns from all of them. On NFCorpus test, lexical nDCG@10 .331 → .343 with feedback always
// on; with the spread gate, XQuAD en/de lose at most .008 of recall@1 against feedback off.
func feedbackApplies(list []scored, docs, limit int, spread float64) bool {
	switch {
	case docs <= 0 || len(list) == 0 || list[0].score <= 0:
		return false
	case len(list) < docs:
		return len(list) < limit
	}
	return list[docs-1].score > 0 && list[0].score < spread*list[docs-1].score
}

// rm3 expands a query from its first pass's best chunks. The relevance model weighs each term
// of those chunks by its share of each chunk's length, the chunks by their share of the
// first-pass score: P(t|R) = sum over d of P(d|q) tf(t,d)/|d|. Its fbTerms heaviest terms are
// interpolated with the query (each of its terms weighing 1/|q|), the query with origWeight;
// the result is scaled so that the query's own terms weigh 1 plus whatever feedback adds. A
// query with no terms, or chunks with no vector, is returned as it was.
func rm3(query weightedTerms, docs []scored, vecs map[int64]termVector, fbTerms int, origWeight float64) weightedTerms {
	if len(query.terms) == 0 || len(docs) == 0 {
		return query
	}
	total := 0.0
	for _, d := range docs {
		if _, ok := vecs[d.chunkID]; ok && d.score > 0 {
			total += d.score
		}
	}
	if total <= 0 {
		return query
	}
	rel := map[string]float64{}
	for _, d := range docs {
		v, ok := vecs[d.chunkID]
		if !ok || d.score <= 0 || v.length <= 0 {
			continue
		}
		pd := d.score / total
		for t, tf := range v.tfs {
			rel[t] += pd * tf / v.length
		}
	}
	type tw struct {
		term string
		w    float64
	}
	list := make([]tw, 0, len(rel))
	for t, w := range rel {
		list = append(list, tw{t, w})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].w != list[j].w {
			return list[i].w > list[j].w
		}
		return list[i].term < list[j].term
	})
	list = list[:min(len(list), fbTerms)]
	sum := 0.0
	for _, x := range list {
		sum += x.w
	}
	if sum <= 0 {
		return query
	}
	// (origWeight/|q|) q(t) + (1-origWeight) P(t|R)/sum, times |q|/origWeight.
	scale := (1 - origWeight) / origWeight * float64(len(query.terms)) / sum
	weights := map[string]float64{}
	for i, t := range query.terms {
		weights[t] += query.weights[i]
	}
	for _, x := range list {
		weights[x.term] += scale * x.w
	}
	out := weightedTerms{}
	for t := range weights {
		out.terms = append(out.terms, t)
	}
	sort.Strings(out.terms)
	for _, t := range out.terms {
		out.weights = append(out.weights, weights[t])
	}
	return out
}

// unitTerms is a first pass's query: its distinct terms, each weighing 1, sorted.
func unitTerms(terms []string) weightedTerms {
	out := weightedTerms{}
	seen := map[string]bool{}
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out.terms = append(out.terms, t)
		}
	}
	sort.Strings(out.terms)
	out.weights = make([]float64, len(out.terms))
	for i := range out.weights {
		out.weights[i] = 1
	}
	return out
}

// sort orders the terms, keeping each weight with its term.
func (w *weightedTerms) sort() {
	idx := make([]int, len(w.terms))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return w.terms[idx[a]] < w.terms[idx[b]] })
	terms, weights := make([]string, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		terms[i], weights[i] = w.terms[j], w.weights[j]
	}
	w.terms, w.weights = terms, weights
}
