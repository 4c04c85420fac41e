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
const stemSQL = `SELECT DISTINCT u.lexeme
FROM unnest(string_to_array($1::text, ',')) AS cfg, unnest(to_tsvector(cfg::regconfig, $2::text)) AS u`

// Names of the statements the indexed path prepares once per connection.
const (
	stmtStem     = "lorebase_retrieval_stem"
	stmtSettings = "lorebase_retrieval_vector_settings"
	stmtVector   = "lorebase_retrieval_vector_"
)

// indexedSearches counts searches whose lexical list came from the in-process index.
var indexedSearches atomic.Int64

// candidatesIndexed runs both legs over one connection in one round trip, in parallel: the
// pipeline sends the stemming statement, a Flush, then the vector scan settings and the kNN
// statement, and one Sync. The server answers the stemming at once (the Flush), and the lexical
// list is scored in process from the index while the server runs the kNN.
func (s *Searcher) candidatesIndexed(ctx context.Context, pool *pgxpool.Pool, o *orgIndex, q Query, limit int, runLexical, runVector bool) (lex, vec []scored, err error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer c.Release()
	conn := c.Conn()
	stem, err := conn.Prepare(ctx, stmtStem, stemSQL)
	if err != nil {
		return nil, nil, fmt.Errorf("bm25 search: %w", err)
	}
	var settings, knn *pgconn.StatementDescription
	if runVector {
		if settings, err = conn.Prepare(ctx, stmtSettings, setVectorScanSQL); err != nil {
			return nil, nil, fmt.Errorf("configure vector scan: %w", err)
		}
		if knn, err = conn.Prepare(ctx, stmtVector+strconv.Itoa(q.Dims), vectorSQL(q.Dims)); err != nil {
			return nil, nil, fmt.Errorf("vector search: %w", err)
		}
	}

	var configs []string
	if runLexical {
		o.mu.RLock()
		configs = queryConfigs(q.Language, o.configList())
		o.mu.RUnlock()
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
	if runLexical {
		p.SendQueryStatement(stem, [][]byte{[]byte(strings.Join(configs, ",")), []byte(PrepareText(q.Text, q.Language))}, nil, nil)
		p.SendFlushRequest()
	}
	if runVector {
		p.SendQueryStatement(settings, [][]byte{[]byte(strconv.Itoa(max(s.cfg.EFSearch, limit)))}, nil, nil)
		p.SendQueryStatement(knn, vectorParams(q, limit), nil, nil)
	}
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		return nil, nil, err
	}
	if runLexical {
		terms, err := readTexts(p)
		if err != nil {
			return nil, nil, fmt.Errorf("bm25 search: %w", err)
		}
		f := newLexFilter(q)
		o.mu.RLock()
		lex = o.search(terms, f, limit, s.cfg.K1, s.cfg.B, nil)
		o.mu.RUnlock()
		indexedSearches.Add(1)
	}
	if runVector {
		if _, err := readTexts(p); err != nil {
			return nil, nil, fmt.Errorf("configure vector scan: %w", err)
		}
		if vec, err = readVectorText(p); err != nil {
			return nil, nil, fmt.Errorf("vector search: %w", err)
		}
	}
	res, err := p.GetResults()
	if err != nil {
		return nil, nil, err
	}
	if _, ok := res.(*pgconn.PipelineSync); !ok {
		return nil, nil, fmt.Errorf("retrieval: unexpected pipeline result %T", res)
	}
	closed = true
	return lex, vec, p.Close()
}

// readTexts reads the next statement's first column as text.
func readTexts(p *pgconn.Pipeline) ([]string, error) {
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("unexpected pipeline result %T", res)
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
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("unexpected pipeline result %T", res)
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
// the kinds (validated to KindText and KindQA) as an array literal.
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
		[]byte("{" + strings.Join(q.Kinds, ",") + "}"), []byte(strconv.Itoa(limit))}
}
