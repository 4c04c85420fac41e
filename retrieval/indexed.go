package retrieval

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// stemSQL turns the prepared query text into the distinct lexemes of every configuration in $1
// (comma-separated names from the fixed list of TextConfig, so the separator is safe): the
// query side of the statement bm25SQL starts with, and the only part of the lexical leg left
// in PostgreSQL when the in-process index answers.
// As there, a word the first configuration (the query's language) drops as a stop word is
// dropped from every configuration's lexemes.
const stemSQL = `SELECT DISTINCT u.lexeme
FROM unnest(string_to_array($1::text, ',')) WITH ORDINALITY AS c(cfg, i), unnest(to_tsvector(c.cfg::regconfig, $2::text)) AS u
WHERE c.i = 1 OR u.positions && ARRAY(
    SELECT unnest(k.positions) FROM unnest(to_tsvector(split_part($1::text, ',', 1)::regconfig, $2::text)) AS k)`

// Names of the statements the indexed path prepares once per connection.
const (
	stmtStem     = "lorebase_retrieval_stem"
	stmtLatest   = "lorebase_retrieval_latest_seq"
	stmtSettings = "lorebase_retrieval_vector_settings"
	stmtVector   = "lorebase_retrieval_vector_"
)

// indexedSearches counts searches whose lexical list came from the in-process index;
// behindSearches those that found the index behind their organization's last commit.
var indexedSearches, behindSearches atomic.Int64

// candidatesIndexed runs both legs over one connection in one round trip, in parallel: the
// pipeline sends the stemming statement, a Flush, then the vector scan settings and the kNN
// statement, and one Sync. The server answers the stemming at once (the Flush), and the lexical
// list is scored in process from the index while the server runs the kNN.
//
// The organization's latest chunk_changes seq comes back with the stemming: when this replica
// has not applied it yet (a search right after an ingestion committed, within the feed's few
// milliseconds), the lexical list comes from SQL BM25 instead, so a caller that saw its item
// ready also finds its chunks.
func (s *Searcher) candidatesIndexed(ctx context.Context, pool *pgxpool.Pool, ix *Index, q Query, limit int, runVector bool) (lp lexPass, vec []scored, err error) {
	o := ix.org(q.OrganizationID)
	var applied int64
	var configs []string
	if o != nil {
		o.mu.RLock()
		applied = o.seq
		configs = queryConfigs(q.Language, o.configList())
		o.mu.RUnlock()
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		return lexPass{}, nil, err
	}
	released := false
	defer func() {
		if !released {
			c.Release()
		}
	}()
	conn := c.Conn()
	stem, err := conn.Prepare(ctx, stmtStem, stemSQL)
	if err != nil {
		return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
	}
	latest, err := conn.Prepare(ctx, stmtLatest, latestSeqSQL)
	if err != nil {
		return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
	}
	var settings, knn *pgconn.StatementDescription
	if runVector {
		if settings, err = conn.Prepare(ctx, stmtSettings, setVectorScanSQL); err != nil {
			return lexPass{}, nil, fmt.Errorf("configure vector scan: %w", err)
		}
		if knn, err = conn.Prepare(ctx, stmtVector+strconv.Itoa(q.Dims), vectorSQL(q.Dims)); err != nil {
			return lexPass{}, nil, fmt.Errorf("vector search: %w", err)
		}
	}

	p := conn.PgConn().StartPipeline(ctx)
	closed := false
	defer func() {
		if !closed {
			if cerr := p.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}()
	p.SendQueryStatement(latest, [][]byte{[]byte(q.OrganizationID.String())}, nil, nil)
	if o != nil {
		p.SendQueryStatement(stem, [][]byte{[]byte(strings.Join(configs, ",")), []byte(PrepareText(q.Text, q.Language))}, nil, nil)
	}
	p.SendFlushRequest()
	if runVector {
		p.SendQueryStatement(settings, [][]byte{[]byte(strconv.Itoa(max(s.cfg.EFSearch, limit)))}, nil, nil)
		p.SendQueryStatement(knn, vectorParams(q, limit), nil, nil)
	}
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		return lexPass{}, nil, err
	}
	seqText, err := readTexts(p)
	if err != nil {
		return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
	}
	var dbSeq int64
	if len(seqText) == 1 {
		if dbSeq, err = strconv.ParseInt(seqText[0], 10, 64); err != nil {
			return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
		}
	}
	behind := dbSeq > applied
	if o != nil {
		terms, err := readTexts(p)
		if err != nil {
			return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
		}
		if !behind {
			f := newLexFilter(q)
			o.mu.RLock()
			behind = o.seq < dbSeq // applied since the check above: fine, but recheck under the lock
			if !behind {
				lp.list = o.search(terms, nil, f, limit, s.cfg.K1, s.cfg.B, nil)
				lp.query, lp.org = unitTerms(terms), o
			}
			o.mu.RUnlock()
			if !behind {
				indexedSearches.Add(1)
			}
		}
	} else if !behind {
		indexedSearches.Add(1) // no chunk in the organization, and none committed since
	}
	if runVector {
		if _, err := readTexts(p); err != nil {
			return lexPass{}, nil, fmt.Errorf("configure vector scan: %w", err)
		}
		if vec, err = readVectorText(p); err != nil {
			return lexPass{}, nil, fmt.Errorf("vector search: %w", err)
		}
	}
	res, err := p.GetResults()
	if err != nil {
		return lexPass{}, nil, err
	}
	if _, ok := res.(*pgconn.PipelineSync); !ok {
		return lexPass{}, nil, fmt.Errorf("retrieval: unexpected pipeline result %T", res)
	}
	closed = true
	if err := p.Close(); err != nil {
		return lexPass{}, nil, err
	}
	if behind {
		behindSearches.Add(1)
		ix.wake()
		c.Release() // the SQL statement takes its own connection
		released = true
		if lp, _, err = s.candidatesSQL(ctx, q, limit, true, false); err != nil {
			return lp, nil, err
		}
	}
	return lp, vec, nil
}

// nextRows returns the reader of the pipeline's next statement.
func nextRows(p *pgconn.Pipeline) (*pgconn.ResultReader, error) {
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("unexpected pipeline result %T", res)
	}
	return rr, nil
}

// readTexts reads the next statement's first column as text.
func readTexts(p *pgconn.Pipeline) ([]string, error) {
	rr, err := nextRows(p)
	if err != nil {
		return nil, err
	}
	var out []string
	for rr.NextRow() {
		if v := rr.Values(); len(v) > 0 && v[0] != nil {
			out = append(out, string(v[0]))
		}
	}
	_, err = rr.Close()
	return out, err
}

// readVectorText reads (id, similarity) rows in the text format.
func readVectorText(p *pgconn.Pipeline) ([]scored, error) {
	rr, err := nextRows(p)
	if err != nil {
		return nil, err
	}
	var out []scored
	var perr error
	for rr.NextRow() {
		v := rr.Values()
		if len(v) < 2 || v[0] == nil || v[1] == nil {
			perr = errors.New("null in kNN row")
			continue
		}
		id, err1 := strconv.ParseInt(string(v[0]), 10, 64)
		sim, err2 := strconv.ParseFloat(string(v[1]), 64)
		if err := errors.Join(err1, err2); err != nil {
			perr = err
			continue
		}
		out = append(out, scored{chunkID: id, score: sim})
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return out, perr
}

// vectorParams encodes the kNN statement's parameters in the text format: the vector as
// pgvector's literal (float32 shortest form, exact on the way back), NULL for "any assistant",
// the kinds (validated to text and qa) as an array literal.
func vectorParams(q Query, limit int) [][]byte {
	v := make([]byte, 0, len(q.Embedding)*10+2)
	v = append(v, '[')
	for i, x := range q.Embedding {
		if i > 0 {
			v = append(v, ',')
		}
		v = strconv.AppendFloat(v, float64(x), 'g', -1, 32)
	}
	v = append(v, ']')
	var assistant []byte
	if a := assistantParam(q.AssistantID); a != nil {
		assistant = []byte(q.AssistantID.String())
	}
	return [][]byte{v, []byte(q.OrganizationID.String()), []byte(q.EmbeddingModel), assistant,
		[]byte("{" + strings.Join(kindsParam(q.Kinds), ",") + "}"), []byte(strconv.Itoa(limit))}
}
