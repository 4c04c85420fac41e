package retrieval

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// BM25 parameters. k1 0.9 and b 0.4 are the Anserini defaults, tuned on short passages like
// our chunks; measured on a public BEIR set they beat every ts_rank variant (see
// shared/LIBRARIES.md).
const (
	BM25K1Default = 0.9
	BM25BDefault  = 0.4
)

// maxQueryConfigs bounds how many configurations stem one query: each adds its own lexemes
// (a few more index probes), and an organization rarely has more than a handful of languages.
const maxQueryConfigs = 8

// orgStatsSQL returns, per text search configuration, the organization's chunk count and total
// length, from an index-only scan of chunk_stats.
const orgStatsSQL = `
SELECT text_config::text, count(*), coalesce(sum(doc_len), 0)
FROM chunk_stats
WHERE organization_id = $1
GROUP BY text_config`

// bm25SQL returns the best $10 chunks of the organization by BM25 over the query's terms
// (OR-ed: a question's words are rarely all in the answer) among those that pass the filters,
// exactly as scoring every matching chunk would, without reading the long postings lists of
// common terms in the usual case.
//
//	$1 organization, $2 configurations (text[]), $3 prepared query text, $4 chunk count N,
//	$5 average length, $6 k1, $7 b, $8 assistant (NULL = any), $9 kinds (empty = any),
//	$10 limit, $11/$12 cached document frequencies (terms text[], dfs float8[]),
//	$13 postings budget of the essential terms, $14 smallest df worth caching,
//	$15/$16 weighted terms (lexemes text[], weights float8[]) searched besides $3's.
//
// A term's weight multiplies its idf: the terms stemmed from $3 weigh 1, the explicit ones
// (pseudo-relevance feedback's expanded query, already lexemes) what they say. Rows of kind 'q'
// return the query's terms with their weights.
// The query is stemmed with every configuration in $2, because each chunk's lexemes come from
// its own configuration; duplicates collapse, so a term counts once however often it is typed.
// The first configuration is the query's language: a word it drops as a stop word is dropped
// from the other configurations' lexemes too (the positions of a tsvector are the parser's
// word positions, the same for every configuration). Without that, "foods for glaucoma" stemmed
// as French keeps "for", which only the few chunks stemmed as French or German contain (English
// text whose language was misdetected, English quotes in German text): a tiny df, a huge idf,
// and those chunks topped unrelated questions (2 points of nDCG@10 on NFCorpus).
// df comes from the cache ($11/$12) for common terms, else from an index-only scan of the
// postings primary key (rows of kind 't' report the live counts worth caching).
//
// Pruning (MaxScore, Turtle and Flood 1995): a term contributes at most idf*(k1+1). The rarest
// terms whose postings fit in $13 are essential; the others (the common ones) together add at
// most ub to any chunk. Every chunk holding an essential term gets its partial score from the
// essential postings (short lists); the $10-th best filtered partial score is a lower bound on
// the $10-th best full score, so only chunks whose partial score is within ub of it can still
// make the list. Those few get their common-term contributions by primary-key probes, one per
// common term (OFFSET 0 keeps the probe a parameterized scan on the full key: as a plain join
// the planner may drive it from (organization, chunk) alone and walk the organization's whole
// postings index per candidate, tens of milliseconds each). The list
// is exact when its $10-th full score exceeds ub, since a chunk holding only common terms
// scores at most ub; otherwise (few matches, or only common terms) the statement scores every
// posting of every term instead, as before. Rows of kind 'p' come from the pruned path, 'f'
// from the full one; both are sorted best first by the caller.
//
// The filters need the chunk row, so candidates are walked best first through the chunks
// primary key (LATERAL) and the walk stops at the limit. Every LIMIT has its ORDER BY: a CTE's
// or subquery's order does not survive a join, and once the tables had statistics (ANALYZE, as
// autovacuum runs it) the planner pulled the filter subquery up into a hash join over a scan of
// chunks, so the full path's LIMIT kept whichever chunks the scan met first (wrong lists with
// pruning's fallback, seen as TestBM25PruningIsExact failing intermittently, more often with
// pseudo-relevance feedback, whose 20-term queries fall back more). OFFSET 0 keeps each filter
// a parameterized probe (a nested loop that preserves the walk's order), so the full path's
// ORDER BY costs no sort and the walk still stops at the limit. The cutoff's walk has no
// ORDER BY on purpose: any $10 filtered chunks' partial scores bound the $10-th best full
// score from below, so the list is exact in any order; the best-first order only makes the
// bound tight.
const bm25SQL = `
WITH terms AS (
    SELECT t.term, max(t.weight) AS weight
    FROM (
        SELECT u.lexeme AS term, 1::float8 AS weight
        FROM unnest($2::text[]) WITH ORDINALITY AS c(cfg, i), unnest(to_tsvector(c.cfg::regconfig, $3)) AS u
        WHERE c.i = 1 OR u.positions && ARRAY(
            SELECT unnest(k.positions) FROM unnest(to_tsvector(($2::text[])[1]::regconfig, $3)) AS k)
        UNION ALL
        SELECT x.term, x.weight FROM unnest($15::text[], $16::float8[]) AS x(term, weight)
    ) t
    WHERE t.weight > 0
    GROUP BY t.term
), dfs AS MATERIALIZED (
    SELECT t.term, t.weight, k.df IS NULL AS live,
           coalesce(k.df, (SELECT count(*)::float8 FROM chunk_terms p
                           WHERE p.organization_id = $1 AND p.term = t.term)) AS df
    FROM terms t
    LEFT JOIN unnest($11::text[], $12::float8[]) AS k(term, df) ON k.term = t.term
), weights AS MATERIALIZED (
    SELECT term, df, weight * ln(1 + (greatest($4::float8, df) - df + 0.5) / (df + 0.5)) AS idf,
           (row_number() OVER w = 1 OR sum(df) OVER w <= $13) AS essential
    FROM dfs
    WHERE df > 0
    WINDOW w AS (ORDER BY df, term)
), bound AS (
    SELECT coalesce(sum(idf) FILTER (WHERE NOT essential), 0) * ($6::float8 + 1) AS ub,
           count(*) FILTER (WHERE NOT essential) AS common
    FROM weights
), partial AS MATERIALIZED (
    SELECT p.chunk_id,
           sum(w.idf * p.tf * ($6::float8 + 1)
               / (p.tf + $6::float8 * (1 - $7::float8 + $7::float8 * p.doc_len / $5::float8))) AS score
    FROM weights w
    JOIN chunk_terms p ON p.organization_id = $1 AND p.term = w.term
    WHERE w.essential
    GROUP BY p.chunk_id
), sorted AS MATERIALIZED (
    SELECT chunk_id, score FROM partial ORDER BY score DESC, chunk_id
), cutoff AS (
    SELECT min(s.score) AS score, count(*) AS n
    FROM (
        SELECT s.score FROM sorted s
        CROSS JOIN LATERAL (
            SELECT 1 FROM chunks c
            WHERE c.id = s.chunk_id
              AND ($8::uuid IS NULL OR c.assistant_ids = '{}' OR $8::uuid = ANY (c.assistant_ids))
              AND (cardinality($9::text[]) = 0 OR c.kind = ANY ($9::text[]))
            OFFSET 0
        ) f
        LIMIT $10
    ) s
), pruned AS MATERIALIZED (
    SELECT s.chunk_id, s.score + coalesce((
               SELECT sum(w.idf * p.tf * ($6::float8 + 1)
                          / (p.tf + $6::float8 * (1 - $7::float8 + $7::float8 * p.doc_len / $5::float8)))
               FROM weights w
               CROSS JOIN LATERAL (
                   SELECT p.tf, p.doc_len FROM chunk_terms p
                   WHERE p.organization_id = $1 AND p.term = w.term AND p.chunk_id = s.chunk_id
                   OFFSET 0) p
               WHERE NOT w.essential), 0) AS score
    FROM sorted s
    CROSS JOIN LATERAL (
        SELECT 1 FROM chunks c
        WHERE c.id = s.chunk_id
          AND ($8::uuid IS NULL OR c.assistant_ids = '{}' OR $8::uuid = ANY (c.assistant_ids))
          AND (cardinality($9::text[]) = 0 OR c.kind = ANY ($9::text[]))
        OFFSET 0
    ) f
    WHERE s.score >= (SELECT cutoff.score - bound.ub FROM cutoff, bound)
    ORDER BY 2 DESC, 1
    LIMIT $10
), verdict AS (
    SELECT (SELECT common FROM bound) = 0
        OR ((SELECT n FROM cutoff) = $10 AND (SELECT min(score) FROM pruned) > (SELECT ub FROM bound)) AS exact
), full_scored AS (
    SELECT p.chunk_id,
           sum(w.idf * p.tf * ($6::float8 + 1)
               / (p.tf + $6::float8 * (1 - $7::float8 + $7::float8 * p.doc_len / $5::float8))) AS score
    FROM weights w
    JOIN chunk_terms p ON p.organization_id = $1 AND p.term = w.term
    GROUP BY p.chunk_id
    ORDER BY score DESC, p.chunk_id
)
SELECT 'p' AS kind, chunk_id, score, NULL::text AS term FROM pruned
WHERE (SELECT exact FROM verdict)
UNION ALL
SELECT 'f', s.chunk_id, s.score, NULL FROM (
    SELECT s.chunk_id, s.score FROM full_scored s
    CROSS JOIN LATERAL (
        SELECT 1 FROM chunks c
        WHERE c.id = s.chunk_id
          AND ($8::uuid IS NULL OR c.assistant_ids = '{}' OR $8::uuid = ANY (c.assistant_ids))
          AND (cardinality($9::text[]) = 0 OR c.kind = ANY ($9::text[]))
        OFFSET 0
    ) f
    ORDER BY s.score DESC, s.chunk_id
    LIMIT $10
) s
WHERE NOT (SELECT exact FROM verdict)
UNION ALL
SELECT 't', NULL, df, term FROM dfs WHERE live AND df >= $14
UNION ALL
SELECT 'q', NULL, weight, term FROM terms`

// Pruning and document-frequency cache parameters.
const (
	// essentialBudget bounds the postings the essential (rarest) terms may have together; the
	// others are scored only on the chunks that can still make the list.
	essentialBudget = 10000
	// dfCacheMin is the smallest df cached: a term in that many chunks moves its idf by a hair
	// when a few more chunks arrive, and counting its postings costs milliseconds per query.
	dfCacheMin = 1000
	// dfCacheMax bounds the cached terms per organization (they travel with every query).
	dfCacheMax = 512
)

// orgStats are the corpus statistics BM25 needs for one organization, and the document
// frequencies of its common terms learned from queries. An entry is immutable once built but
// for dfs, which is replaced as a whole under mu.
type orgStats struct {
	chunks  int64
	avgLen  float64
	configs []string // most chunks first
	at      time.Time

	mu  sync.Mutex
	dfs dfSnapshot
}

// dfSnapshot is the cached document frequencies as the statement takes them.
type dfSnapshot struct {
	terms []string
	dfs   []float64
}

func (s *orgStats) cachedDFs() dfSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dfs
}

// learnDFs adds live counts of common terms; the snapshot is copied, never modified in place.
func (s *orgStats) learnDFs(terms []string, dfs []float64) {
	if len(terms) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.dfs
	if len(old.terms) >= dfCacheMax {
		return
	}
	next := dfSnapshot{terms: slices.Clone(old.terms), dfs: slices.Clone(old.dfs)}
	for i, t := range terms {
		if len(next.terms) >= dfCacheMax {
			break
		}
		if !slices.Contains(next.terms, t) {
			next.terms, next.dfs = append(next.terms, t), append(next.dfs, dfs[i])
		}
	}
	s.dfs = next
}

// statsCache keeps orgStats briefly in process (Config.StatsTTL, 30 s by default). Counting an
// organization's chunks is an index-only scan linear in its size (milliseconds at 100k chunks),
// and N and the average length move slowly: a few seconds of staleness shifts scores by a hair
// and never changes which chunks match, because postings are always read live (and the IDF
// uses max(N, df), so a stale N cannot turn it negative). The same holds for the df of common
// terms (in dfCacheMin chunks or more), cached with the entry: counting one costs milliseconds
// per query at 100k chunks, and a few more chunks change its idf by well under a percent. The
// df of every other term is counted live. A configuration that first appears in the
// organization within the TTL stems queries only once the entry expires, unless it is the
// query's own language.
type statsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[uuid.UUID]*orgStats
}

// statsCacheMax bounds the map; expired entries are dropped when it fills.
const statsCacheMax = 10000

func (c *statsCache) get(ctx context.Context, db DB, org uuid.UUID) (*orgStats, error) {
	now := time.Now()
	if c.ttl > 0 {
		c.mu.Lock()
		s, ok := c.m[org]
		c.mu.Unlock()
		if ok && now.Sub(s.at) < c.ttl {
			return s, nil
		}
	}
	s, err := loadOrgStats(ctx, db, org)
	if err != nil {
		return nil, err
	}
	s.at = now
	// An empty organization is not cached: its first chunks must be found at once.
	if c.ttl > 0 && s.chunks > 0 {
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[uuid.UUID]*orgStats)
		}
		if len(c.m) >= statsCacheMax {
			for k, v := range c.m {
				if now.Sub(v.at) >= c.ttl {
					delete(c.m, k)
				}
			}
		}
		c.m[org] = s
		c.mu.Unlock()
	}
	return s, nil
}

func loadOrgStats(ctx context.Context, db DB, org uuid.UUID) (*orgStats, error) {
	br := db.SendBatch(ctx, queue(orgStatsSQL, org))
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("organization text statistics: %w", err)
	}
	type cfgCount struct {
		name  string
		count int64
	}
	var (
		s      orgStats
		total  int64
		counts []cfgCount
	)
	for rows.Next() {
		var c cfgCount
		var length int64
		if err := rows.Scan(&c.name, &c.count, &length); err != nil {
			rows.Close()
			return nil, fmt.Errorf("organization text statistics: %w", err)
		}
		s.chunks += c.count
		total += length
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("organization text statistics: %w", err)
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].count > counts[j].count })
	for _, c := range counts {
		s.configs = append(s.configs, c.name)
	}
	if s.chunks > 0 {
		s.avgLen = float64(total) / float64(s.chunks)
	}
	return &s, nil
}

// queue returns a batch of one statement.
func queue(sql string, args ...any) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	return b
}

// queryConfigs are the configurations a query is stemmed with: the query language's first
// (the likeliest to match), then those present in the organization, most chunks first.
func queryConfigs(lang string, present []string) []string {
	out := []string{TextConfig(lang)}
	for _, c := range present {
		if len(out) == maxQueryConfigs {
			break
		}
		if c != out[0] {
			out = append(out, c)
		}
	}
	return out
}

// scored is one candidate of one retriever, best first.
type scored struct {
	chunkID int64
	score   float64
}

// queueLexical adds the BM25 statement to the batch; readLexical reads its result. With
// weighted terms (feedback's second pass) the query text is not stemmed: the terms are the query.
func (s *Searcher) queueLexical(b *pgx.Batch, q Query, st *orgStats, limit int, wt weightedTerms) {
	avg := st.avgLen
	if avg <= 0 {
		avg = 1 // every chunk is empty of lexemes; no term can match anyway
	}
	known := st.cachedDFs()
	terms, dfs := known.terms, known.dfs
	if terms == nil {
		terms, dfs = []string{}, []float64{}
	}
	text := PrepareText(q.Text, q.Language)
	wTerms, wWeights := []string{}, []float64{}
	if wt.terms != nil {
		text, wTerms, wWeights = "", wt.terms, wt.weights
	}
	b.Queue(bm25SQL, q.OrganizationID, queryConfigs(q.Language, st.configs), text,
		float64(st.chunks), avg, s.cfg.K1, s.cfg.B, assistantParam(q.AssistantID), kindsParam(q.Kinds), limit,
		terms, dfs, s.budget, float64(dfCacheMin), wTerms, wWeights)
}

// weightedTerms is a query given as lexemes with weights; nil terms: stem the query's text.
type weightedTerms struct {
	terms   []string
	weights []float64
}

// bm25FullScans counts the searches whose lexical list needed every posting (diagnostics).
var bm25FullScans atomic.Int64

// readLexical reads the statement's chunks, best first, and the query's terms.
func readLexical(br pgx.BatchResults, st *orgStats) ([]scored, weightedTerms, error) {
	var query weightedTerms
	rows, err := br.Query()
	if err != nil {
		return nil, query, fmt.Errorf("bm25 search: %w", err)
	}
	var (
		out   []scored
		terms []string
		dfs   []float64
		full  bool
	)
	for rows.Next() {
		var (
			kind  string
			id    *int64
			score float64
			term  *string
		)
		if err := rows.Scan(&kind, &id, &score, &term); err != nil {
			rows.Close()
			return nil, query, fmt.Errorf("bm25 search: %w", err)
		}
		switch {
		case kind == "q" && term != nil:
			query.terms, query.weights = append(query.terms, *term), append(query.weights, score)
		case kind == "t" && term != nil:
			terms, dfs = append(terms, *term), append(dfs, score)
		case id != nil:
			full = full || kind == "f"
			out = append(out, scored{chunkID: *id, score: score})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, query, fmt.Errorf("bm25 search: %w", err)
	}
	if full {
		bm25FullScans.Add(1)
	}
	st.learnDFs(terms, dfs)
	sortScored(out)
	query.sort()
	return out, query, nil
}

// sortScored orders a list best first, ties by chunk id, as the statements do.
func sortScored(l []scored) {
	sort.Slice(l, func(i, j int) bool {
		if l[i].score != l[j].score {
			return l[i].score > l[j].score
		}
		return l[i].chunkID < l[j].chunkID
	})
}

// assistantParam is NULL for "any assistant", so the filter is one expression for both cases.
func assistantParam(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}
