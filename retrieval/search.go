package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/wordnet"
)

// Search modes.
const (
	ModeHybrid  = "hybrid"
	ModeLexical = "lexical"
	ModeVector  = "vector"
)

// Defaults.
const (
	KDefault = 8
	// MaxPerItemDefault: three chunks of one item before others' (Config.MaxPerItem).
	MaxPerItemDefault = 3
	StatsTTLDefault   = 30 * time.Second
	// CandidatesMin and CandidatesPerResult size each retriever's list when Config.Candidates
	// is 0: max(CandidatesMin, CandidatesPerResult*K), 32 for the chat path's K of 8. Fusion
	// only reorders the heads of the lists; on XQuAD 32 candidates score the same as 100.
	CandidatesMin       = 32
	CandidatesPerResult = 4
	CandidatesMax       = 1000
	// CandidatesDefault is the largest K a search returns (larger K are cut to it); it was the
	// fixed candidate count before lists were sized by K.
	CandidatesDefault = 100
)

// CandidatesFor is how many candidates each retriever returns for K results by default.
func CandidatesFor(k int) int { return max(CandidatesMin, CandidatesPerResult*k) }

// DB is what the Searcher needs from the database: a *pgxpool.Pool, or a pgx.Tx in tests.
// Connections must have the pgvector types registered (store.Open does). A search sends its
// statements as pipelined batches: on a pool each batch is one implicit read-only transaction
// (one round trip); in a pgx.Tx the vector scan settings it makes last until that transaction
// ends.
type DB interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Config tunes the Searcher; zero values take the defaults.
type Config struct {
	Candidates    int     // per retriever; default CandidatesFor(K)
	Fusion        string  // FusionConvex (default) or FusionRRF
	LexicalWeight float64 // weight of the BM25 list; default LexicalWeightDefault
	VectorWeight  float64 // weight of the vector list; default VectorWeightDefault
	RRFK          float64 // FusionRRF only; default RRFKDefault
	EFSearch      int     // hnsw.ef_search (pgvector path); default EFSearchDefault
	// VectorShortlist is how many of an organization's vectors survive the in-process vector
	// leg's first (sign-bit) pass to be rescored with their int8 components; default
	// VectorShortlistFor(n).
	VectorShortlist int
	K1, B           float64 // BM25; default BM25K1Default, BM25BDefault
	// Pseudo-relevance feedback (RM3) on the lexical leg: FeedbackDocs chunks of the first pass
	// (default FeedbackDocsDefault, which is off; FeedbackDocsOn enables it; <= 0 disables), FeedbackTerms expansion terms (default
	// FeedbackTermsDefault), FeedbackWeight the original query's share (default
	// FeedbackWeightDefault); it runs only when the FeedbackDocs-th chunk scores within a factor
	// FeedbackSpread of the best (default FeedbackSpreadDefault).
	FeedbackDocs   int
	FeedbackTerms  int
	FeedbackWeight float64
	FeedbackSpread float64
	// Thesaurus, when set, gives an English question that matched no chunk a second lexical
	// pass with the WordNet synonyms of its words (synonymText); nil: no second pass.
	Thesaurus *wordnet.Thesaurus
	// MaxPerItem is how many chunks of one knowledge item may come before the chunks of other
	// items in a result list (capPerItem); default MaxPerItemDefault, < 0 disables.
	MaxPerItem int
	StatsTTL   time.Duration // per-organization BM25 statistics cache; default StatsTTLDefault, < 0 disables
	// Index, when set and caught up (Index.Ready), answers the lexical leg in process and the
	// legs run in parallel over one round trip; the DB must then be a *pgxpool.Pool. Without
	// it, or while it is behind, BM25 runs in SQL.
	Index *Index

	// concurrentLegsMin overrides vectorConcurrentMin (tests: 1 takes the concurrent path on
	// any organization).
	concurrentLegsMin int
}

// Query is one search.
type Query struct {
	OrganizationID uuid.UUID
	AssistantID    uuid.UUID // uuid.Nil: any; else only chunks unrestricted or restricted to it
	Text           string
	Language       string // of the query; its configuration stems the query first
	Embedding      []float32
	EmbeddingModel string
	Dims           int                  // default len(Embedding)
	K              int                  // default KDefault
	Mode           string               // ModeHybrid (default), ModeLexical or ModeVector
	Kinds          []lorebase.ChunkKind // e.g. {lorebase.ChunkQA}; empty: any
}

// Result is one retrieved chunk with its item's title and type and its scores. Of the chunk,
// a search loads ID, ItemID, Kind, Content, HeadingPath, Page and URL.
type Result struct {
	lorebase.Chunk
	ItemType lorebase.KnowledgeType
	Title    string // the knowledge item's title
	// Score is the fused score: it orders one result list and means nothing across queries.
	// Threshold on the raw scores instead.
	Score        float64
	LexicalScore float64 // BM25 of the query LexicalPass names; 0 when absent from the lexical list
	VectorScore  float64 // cosine similarity; 0 when absent from the vector list
	LexicalRank  int     // 1-based; 0 = absent
	VectorRank   int     // 1-based; 0 = absent
	// LexicalPass is the query the lexical list scored, alike for every result in it: the
	// question (PassQuestion), WordNet's synonyms of it when its words matched nothing
	// (PassSynonyms), either expanded by pseudo-relevance feedback (PassFeedback,
	// PassSynonymsFeedback). Empty when absent from the lexical list.
	LexicalPass string
}

// Lexical passes (Result.LexicalPass).
const (
	PassQuestion         = "question"
	PassSynonyms         = "synonyms"
	PassFeedback         = "feedback"
	PassSynonymsFeedback = "synonyms+feedback"
)

// loadResultsSQL loads the chunks that survived fusion with their item's title and type.
const loadResultsSQL = `
SELECT c.id, c.item_id, k.type, k.title, c.content, c.heading_path, c.page, c.url, c.kind
FROM chunks c
JOIN knowledge_items k ON k.id = c.item_id
WHERE c.id = ANY ($1::bigint[]) AND c.organization_id = $2`

// Searcher runs hybrid retrieval. It is safe for concurrent use.
type Searcher struct {
	db     DB
	cfg    Config
	stats  *statsCache
	budget int // postings of BM25's essential terms; essentialBudget, smaller in tests
}

// New returns a Searcher over db.
func New(db DB, cfg Config) (*Searcher, error) {
	if db == nil {
		return nil, errors.New("retrieval: nil database")
	}
	cfg.RRFK = cmp.Or(cfg.RRFK, RRFKDefault)
	cfg.Fusion = cmp.Or(cfg.Fusion, FusionDefault)
	cfg.LexicalWeight = cmp.Or(cfg.LexicalWeight, LexicalWeightDefault)
	cfg.VectorWeight = cmp.Or(cfg.VectorWeight, VectorWeightDefault)
	cfg.EFSearch = cmp.Or(cfg.EFSearch, EFSearchDefault)
	cfg.K1 = cmp.Or(cfg.K1, BM25K1Default)
	cfg.B = cmp.Or(cfg.B, BM25BDefault)
	cfg.StatsTTL = cmp.Or(cfg.StatsTTL, StatsTTLDefault)
	cfg.FeedbackDocs = cmp.Or(cfg.FeedbackDocs, FeedbackDocsDefault)
	cfg.FeedbackTerms = cmp.Or(cfg.FeedbackTerms, FeedbackTermsDefault)
	cfg.FeedbackWeight = cmp.Or(cfg.FeedbackWeight, FeedbackWeightDefault)
	cfg.FeedbackSpread = cmp.Or(cfg.FeedbackSpread, FeedbackSpreadDefault)
	cfg.MaxPerItem = cmp.Or(cfg.MaxPerItem, MaxPerItemDefault)
	switch {
	case cfg.Candidates < 0 || cfg.Candidates > CandidatesMax:
		return nil, fmt.Errorf("%w: candidates %d outside 1..1000", lorebase.ErrInvalid, cfg.Candidates)
	case cfg.Fusion != FusionConvex && cfg.Fusion != FusionRRF:
		return nil, fmt.Errorf("%w: fusion %q", lorebase.ErrInvalid, cfg.Fusion)
	case cfg.RRFK <= 0 || cfg.LexicalWeight < 0 || cfg.VectorWeight < 0:
		return nil, fmt.Errorf("%w: fusion parameters must be positive", lorebase.ErrInvalid)
	case cfg.EFSearch < 1 || cfg.EFSearch > 1000: // pgvector's range
		return nil, fmt.Errorf("%w: ef_search %d outside 1..1000", lorebase.ErrInvalid, cfg.EFSearch)
	case cfg.VectorShortlist < 0:
		return nil, fmt.Errorf("%w: vector shortlist %d", lorebase.ErrInvalid, cfg.VectorShortlist)
	case cfg.K1 < 0 || cfg.B < 0 || cfg.B > 1:
		return nil, fmt.Errorf("%w: BM25 k1 %g, b %g", lorebase.ErrInvalid, cfg.K1, cfg.B)
	case cfg.FeedbackDocs > CandidatesMax || cfg.FeedbackTerms < 1 || cfg.FeedbackTerms > 1000 ||
		cfg.FeedbackWeight <= 0 || cfg.FeedbackWeight > 1 || cfg.FeedbackSpread < 1:
		return nil, fmt.Errorf("%w: feedback docs %d, terms %d, weight %g", lorebase.ErrInvalid,
			cfg.FeedbackDocs, cfg.FeedbackTerms, cfg.FeedbackWeight)
	}
	return &Searcher{db: db, cfg: cfg, stats: &statsCache{ttl: cfg.StatsTTL}, budget: essentialBudget}, nil
}

// Search returns up to K chunks of the query's organization, best first. Hybrid mode without
// an embedding, or without text, runs the retriever it can.
func (s *Searcher) Search(ctx context.Context, q Query) ([]Result, error) {
	if err := s.normalize(&q); err != nil {
		return nil, err
	}
	runLexical := q.Mode != ModeVector && q.Text != ""
	runVector := q.Mode != ModeLexical && len(q.Embedding) > 0
	limit := s.cfg.Candidates
	if limit == 0 {
		limit = min(CandidatesFor(q.K), CandidatesMax)
	}
	if !runLexical && !runVector {
		return nil, nil
	}
	lp, vec, err := s.candidates(ctx, q, limit, runLexical, runVector)
	if err != nil {
		return nil, err
	}
	var (
		lex  []scored
		pass string
	)
	if runLexical {
		if lex, pass, err = s.lexicalList(ctx, q, lp, limit); err != nil {
			return nil, err
		}
	}
	top := fuse(lex, vec, fusion{method: s.cfg.Fusion, k: s.cfg.RRFK, wLex: s.cfg.LexicalWeight, wVec: s.cfg.VectorWeight})
	window := q.K
	if s.cfg.MaxPerItem > 0 {
		window = q.K * perItemWindow
	}
	if len(top) > window {
		top = top[:window]
	}
	res, err := s.load(ctx, q, top)
	if err != nil {
		return nil, err
	}
	for i := range res {
		if res[i].LexicalRank > 0 {
			res[i].LexicalPass = pass
		}
	}
	res = capPerItem(res, s.cfg.MaxPerItem)
	if len(res) > q.K {
		res = res[:q.K]
	}
	return res, nil
}

// lexicalList is the lexical leg's final list and the query it scored (Result.LexicalPass):
// the first pass lp; when the question's words matched nothing, a pass over their synonyms
// (synonymText); then, where it applies, pseudo-relevance feedback over either (feedback).
func (s *Searcher) lexicalList(ctx context.Context, q Query, lp lexPass, limit int) ([]scored, string, error) {
	pass := PassQuestion
	if len(lp.list) == 0 {
		alt := synonymText(s.cfg.Thesaurus, q.Text, q.Language)
		if alt == "" {
			return nil, pass, nil
		}
		qs := q
		qs.Text = alt
		var err error
		if lp, _, err = s.candidates(ctx, qs, limit, true, false); err != nil {
			return nil, "", err
		}
		pass = PassSynonyms
	}
	if s.cfg.FeedbackDocs <= 0 || len(lp.list) == 0 {
		return lp.list, pass, nil
	}
	list, expanded, err := s.feedback(ctx, q, lp, limit)
	if err != nil {
		return nil, "", err
	}
	switch {
	case expanded && pass == PassSynonyms:
		pass = PassSynonymsFeedback
	case expanded:
		pass = PassFeedback
	}
	return list, pass, nil
}

// candidates runs the first pass of the legs asked for: in process when the index is caught up,
// in SQL otherwise.
func (s *Searcher) candidates(ctx context.Context, q Query, limit int, runLexical, runVector bool) (lexPass, []scored, error) {
	if pool, ok := s.db.(*pgxpool.Pool); ok && s.cfg.Index.Ready() {
		return s.candidatesIndexed(ctx, pool, s.cfg.Index, q, limit, runLexical, runVector)
	}
	return s.candidatesSQL(ctx, q, limit, runLexical, runVector)
}

// perItemWindow is how many results per requested one are loaded so that capPerItem has
// chunks of other items to promote.
const perItemWindow = 3

// capPerItem keeps a long document's chunks from filling the list: past the first max chunks
// of one item, its chunks move behind those of every other item (in their order), so a short
// item that answers exactly is not pushed out of the K passages by the fifth and sixth chunk
// of a long manual that matches the question's words everywhere. Ranking among the kept chunks
// is unchanged, and a document-level ranking (the best chunk of each item, as the evaluation
// takes it) only gains documents further down. max <= 0 keeps the list as it is.
func capPerItem(res []Result, max int) []Result {
	if max <= 0 || len(res) <= max {
		return res
	}
	count := map[string]int{}
	out := make([]Result, 0, len(res))
	var deferred []Result
	for _, r := range res {
		if count[r.ItemID] >= max {
			deferred = append(deferred, r)
			continue
		}
		count[r.ItemID]++
		out = append(out, r)
	}
	return append(out, deferred...)
}

// lexPass is the lexical leg's first pass: its list, the query's terms, and what answered it
// (the in-process index of the organization, or SQL with the organization's statistics), so
// that pseudo-relevance feedback's second pass asks the same one.
type lexPass struct {
	list  []scored
	query weightedTerms
	org   *orgIndex // the in-process index answered
	st    *orgStats // SQL answered
}

// candidatesSQL runs both retrievers in SQL in one round trip.
func (s *Searcher) candidatesSQL(ctx context.Context, q Query, limit int, runLexical, runVector bool) (lp lexPass, vec []scored, err error) {
	var st *orgStats
	if runLexical {
		if st, err = s.stats.get(ctx, s.db, q.OrganizationID); err != nil {
			return lp, nil, err
		}
		runLexical = st.chunks > 0
	}
	if !runLexical && !runVector {
		return lp, nil, nil
	}
	batch := &pgx.Batch{}
	if runVector {
		s.queueVectorSettings(batch, limit) // first: they must precede the kNN statement
	}
	if runLexical {
		s.queueLexical(batch, q, st, limit, weightedTerms{})
	}
	if runVector {
		s.queueVector(batch, q, limit)
	}
	return s.readCandidates(ctx, batch, runLexical, runVector, st)
}

func (s *Searcher) readCandidates(ctx context.Context, batch *pgx.Batch, runLexical, runVector bool, st *orgStats) (lp lexPass, vec []scored, err error) {
	br := s.db.SendBatch(ctx, batch)
	defer br.Close()
	if runVector {
		if err := readVectorSettings(br); err != nil {
			return lp, nil, err
		}
	}
	if runLexical {
		lp.st = st
		if lp.list, lp.query, err = readLexical(br, st); err != nil {
			return lp, nil, err
		}
	}
	if runVector {
		if vec, err = readVector(br); err != nil {
			return lp, nil, err
		}
	}
	return lp, vec, br.Close()
}

func (s *Searcher) normalize(q *Query) error {
	if q.OrganizationID == uuid.Nil {
		return fmt.Errorf("%w: search needs an organization", lorebase.ErrInvalid)
	}
	q.Mode = cmp.Or(q.Mode, ModeHybrid)
	if q.Mode != ModeHybrid && q.Mode != ModeLexical && q.Mode != ModeVector {
		return fmt.Errorf("%w: search mode %q", lorebase.ErrInvalid, q.Mode)
	}
	if q.K <= 0 {
		q.K = KDefault
	}
	if q.K > CandidatesDefault {
		q.K = CandidatesDefault
	}
	if s.cfg.Candidates > 0 && q.K > s.cfg.Candidates {
		q.K = s.cfg.Candidates
	}
	for _, k := range q.Kinds {
		if k != lorebase.ChunkText && k != lorebase.ChunkQA {
			return fmt.Errorf("%w: chunk kind %q", lorebase.ErrInvalid, k)
		}
	}
	if q.Mode == ModeVector && len(q.Embedding) == 0 {
		return fmt.Errorf("%w: vector search needs a query embedding", lorebase.ErrInvalid)
	}
	if len(q.Embedding) > 0 {
		q.Dims = cmp.Or(q.Dims, len(q.Embedding))
		if q.Dims != len(q.Embedding) || q.Dims > MaxDims {
			return fmt.Errorf("%w: query embedding has %d dimensions, want %d (at most %d)",
				lorebase.ErrInvalid, len(q.Embedding), q.Dims, MaxDims)
		}
		if q.EmbeddingModel == "" {
			return fmt.Errorf("%w: query embedding needs its model name", lorebase.ErrInvalid)
		}
	}
	return nil
}

func (s *Searcher) load(ctx context.Context, q Query, top []fused) ([]Result, error) {
	if len(top) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(top))
	for i, f := range top {
		ids[i] = f.chunkID
	}
	br := s.db.SendBatch(ctx, queue(loadResultsSQL, ids, q.OrganizationID))
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	byID := make(map[int64]Result, len(top))
	for rows.Next() {
		var r Result
		if err := rows.Scan(&r.ID, &r.ItemID, &r.ItemType, &r.Title, &r.Content, &r.HeadingPath,
			&r.Page, &r.URL, &r.Kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load results: %w", err)
		}
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	out := make([]Result, 0, len(top))
	for _, f := range top {
		r, ok := byID[f.chunkID]
		if !ok {
			continue // deleted since the candidates were read; tolerated rather than failing the answer
		}
		r.Score, r.LexicalScore, r.VectorScore = f.score, f.lexicalScore, f.vectorScore
		r.LexicalRank, r.VectorRank = f.lexicalRank, f.vectorRank
		out = append(out, r)
	}
	return out, nil
}

// kindsParam is the kinds as the statements' text[] parameter; empty: any kind.
func kindsParam(kinds []lorebase.ChunkKind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}
