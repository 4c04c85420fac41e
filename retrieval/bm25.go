package retrieval

import (
	"context"
	"fmt"
	"sort"
	"sync"
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

// bm25SQL scores every chunk of the organization that holds any query term (terms are OR-ed:
// a question's words are rarely all in the answer) and returns the best that pass the filters.
//
//	$1 organization, $2 configurations (text[]), $3 prepared query text, $4 chunk count N,
//	$5 average length, $6 k1, $7 b, $8 assistant (NULL = any), $9 kinds (empty = any),
//	$10 limit.
//
// The query is stemmed with every configuration in $2, because each chunk's lexemes come from
// its own configuration; duplicates collapse, so a term counts once however often it is typed.
// df and the scores come from index-only scans of the postings primary key. The filters need
// the chunk row, so the scored chunks are walked best first through the chunks primary key
// (LATERAL) and the walk stops at the limit instead of joining every match.
const bm25SQL = `
WITH terms AS (
    SELECT DISTINCT u.lexeme AS term
    FROM unnest($2::text[]) AS cfg, unnest(to_tsvector(cfg::regconfig, $3)) AS u
), weights AS (
    SELECT t.term,
           ln(1 + (greatest($4::float8, d.df) - d.df + 0.5) / (d.df + 0.5)) AS idf
    FROM terms t
    CROSS JOIN LATERAL (
        SELECT count(*)::float8 AS df FROM chunk_terms p
        WHERE p.organization_id = $1 AND p.term = t.term
    ) d
    WHERE d.df > 0
), scored AS (
    SELECT p.chunk_id,
           sum(w.idf * p.tf * ($6::float8 + 1)
               / (p.tf + $6::float8 * (1 - $7::float8 + $7::float8 * p.doc_len / $5::float8))) AS score
    FROM weights w
    JOIN chunk_terms p ON p.organization_id = $1 AND p.term = w.term
    GROUP BY p.chunk_id
    ORDER BY score DESC, p.chunk_id
)
SELECT s.chunk_id, s.score
FROM scored s
CROSS JOIN LATERAL (
    SELECT 1 FROM chunks c
    WHERE c.id = s.chunk_id
      AND ($8::uuid IS NULL OR c.assistant_ids = '{}' OR $8::uuid = ANY (c.assistant_ids))
      AND (cardinality($9::text[]) = 0 OR c.kind = ANY ($9::text[]))
) f
LIMIT $10`

// orgStats are the corpus statistics BM25 needs for one organization.
type orgStats struct {
	chunks  int64
	avgLen  float64
	configs []string // most chunks first
	at      time.Time
}

// statsCache keeps orgStats briefly in process (Config.StatsTTL, 30 s by default). Counting an
// organization's chunks is an index-only scan linear in its size (milliseconds at 100k chunks),
// and N and the average length move slowly: a few seconds of staleness shifts scores by a hair
// and never changes which chunks match, because postings and df are always read live (and
// the IDF uses max(N, df), so a stale N cannot turn it negative). A configuration that first
// appears in the organization within the TTL stems queries only once the entry expires, unless
// it is the query's own language.
type statsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[uuid.UUID]orgStats
}

// statsCacheMax bounds the map; expired entries are dropped when it fills.
const statsCacheMax = 10000

func (c *statsCache) get(ctx context.Context, tx pgx.Tx, org uuid.UUID) (orgStats, error) {
	now := time.Now()
	if c.ttl > 0 {
		c.mu.Lock()
		s, ok := c.m[org]
		c.mu.Unlock()
		if ok && now.Sub(s.at) < c.ttl {
			return s, nil
		}
	}
	s, err := loadOrgStats(ctx, tx, org)
	if err != nil {
		return orgStats{}, err
	}
	s.at = now
	// An empty organization is not cached: its first chunks must be found at once.
	if c.ttl > 0 && s.chunks > 0 {
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[uuid.UUID]orgStats)
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

func loadOrgStats(ctx context.Context, tx pgx.Tx, org uuid.UUID) (orgStats, error) {
	rows, err := tx.Query(ctx, orgStatsSQL, org)
	if err != nil {
		return orgStats{}, fmt.Errorf("organization text statistics: %w", err)
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
			return orgStats{}, fmt.Errorf("organization text statistics: %w", err)
		}
		s.chunks += c.count
		total += length
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return orgStats{}, fmt.Errorf("organization text statistics: %w", err)
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].count > counts[j].count })
	for _, c := range counts {
		s.configs = append(s.configs, c.name)
	}
	if s.chunks > 0 {
		s.avgLen = float64(total) / float64(s.chunks)
	}
	return s, nil
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

func (s *Searcher) lexical(ctx context.Context, tx pgx.Tx, q Query, limit int) ([]scored, error) {
	text := PrepareText(q.Text, q.Language)
	st, err := s.stats.get(ctx, tx, q.OrganizationID)
	if err != nil {
		return nil, err
	}
	if st.chunks == 0 {
		return nil, nil
	}
	avg := st.avgLen
	if avg <= 0 {
		avg = 1 // every chunk is empty of lexemes; no term can match anyway
	}
	rows, err := tx.Query(ctx, bm25SQL, q.OrganizationID, queryConfigs(q.Language, st.configs), text,
		float64(st.chunks), avg, s.cfg.K1, s.cfg.B, assistantParam(q.AssistantID), kindsParam(q.Kinds), limit)
	if err != nil {
		return nil, fmt.Errorf("bm25 search: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scored, error) {
		var c scored
		err := r.Scan(&c.chunkID, &c.score)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("bm25 search: %w", err)
	}
	return out, nil
}

// assistantParam is NULL for "any assistant", so the filter is one expression for both cases.
func assistantParam(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}

func kindsParam(kinds []string) []string {
	if kinds == nil {
		return []string{}
	}
	return kinds
}
