package retrieval

import (
	"cmp"
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
	stmtRescore  = "lorebase_retrieval_rescore_"
)

// indexedSearches counts searches whose lexical list came from the in-process index;
// behindSearches those that found the index behind their organization's last commit;
// vectorLocalSearches those whose vector list came from the in-process vectors (rescored in
// SQL), vectorFallbackSearches those whose vector list pgvector's HNSW answered instead (index
// behind, or the organization's vectors not held).
var indexedSearches, behindSearches, vectorLocalSearches, vectorFallbackSearches atomic.Int64

// concurrentLegSearches counts the searches that ran the lexical leg beside the vector leg (tests).
var concurrentLegSearches atomic.Int64

// candidatesIndexed runs both legs over one connection in one round trip, in parallel with the
// server: the pipeline first sends the organization's latest change seq and the stemming
// statement with a Flush; while the server answers them, the vector leg ranks the organization's
// in-process vectors (weighted sign pass, int8 rescoring) and sends the best ids to be scored
// exactly by pgvector's cosine, then one Sync. The lexical list is scored in process from the
// stemmed terms, after the vector leg or, past vectorConcurrentMin vectors, beside it (the
// rescoring statement then follows). When the organization's vectors are not held, the pgvector HNSW statement is
// sent instead of the rescoring.
//
// When this replica has not applied the organization's latest change yet (a search right after
// an ingestion committed, within the feed's few milliseconds), both lists come from SQL instead
// (BM25 and HNSW), so a caller that saw its item ready also finds its chunks.
func (s *Searcher) candidatesIndexed(ctx context.Context, pool *pgxpool.Pool, ix *Index, q Query, limit int, runLexical, runVector bool) (lp lexPass, vec []scored, err error) {
	o := ix.org(q.OrganizationID)
	var applied int64
	var configs []string
	vecLocal := runVector && ix.cfg.MaxVectorBytes > 0 // no organization yet: nothing to find, and a first commit makes it behind
	if o != nil {
		o.mu.RLock()
		applied = o.seq
		if runLexical {
			configs = queryConfigs(q.Language, o.configList())
		}
		vecLocal = runVector && o.vecsHeld
		o.mu.RUnlock()
	}
	stemming := runLexical && o != nil
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
	latest, err := conn.Prepare(ctx, stmtLatest, latestSeqSQL)
	if err != nil {
		return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
	}
	var stem, settings, knn, rescore *pgconn.StatementDescription
	if stemming {
		if stem, err = conn.Prepare(ctx, stmtStem, stemSQL); err != nil {
			return lexPass{}, nil, fmt.Errorf("bm25 search: %w", err)
		}
	}
	switch {
	case vecLocal:
		if rescore, err = conn.Prepare(ctx, stmtRescore+strconv.Itoa(q.Dims), rescoreSQL(q.Dims)); err != nil {
			return lexPass{}, nil, fmt.Errorf("vector search: %w", err)
		}
	case runVector:
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
	if stemming {
		p.SendQueryStatement(stem, [][]byte{[]byte(strings.Join(configs, ",")), []byte(PrepareText(q.Text, q.Language))}, nil, nil)
	}
	p.SendFlushRequest()
	if err := p.Flush(); err != nil {
		return lexPass{}, nil, err
	}
	// The vector leg, while the server stems. On a large organization it runs beside the lexical
	// leg (concurrent), the rescoring statement then following the stems' answer; on a smaller
	// one the rescoring is sent first and the server computes it while the lexical leg scores.
	vecSeq := applied
	var vecIDs []int64
	vectorLeg := func() {
		o.mu.RLock()
		defer o.mu.RUnlock()
		vecSeq = o.seq
		if vs := o.vecs[vecKey{model: q.EmbeddingModel, dims: q.Dims}]; vs != nil && o.vecsHeld {
			vecIDs = vs.search(o.docs, q.Embedding, newLexFilter(q), s.cfg.VectorShortlist, vectorRescoreFor(limit))
		}
	}
	concurrent := vecLocal && stemming && o != nil && o.vectorCount(q.EmbeddingModel, q.Dims) >= cmp.Or(s.cfg.concurrentLegsMin, vectorConcurrentMin)
	var vecDone chan struct{}
	synced := false
	switch {
	case concurrent:
		vecDone = make(chan struct{})
		go func() { defer close(vecDone); vectorLeg() }()
		defer func() {
			<-vecDone // an error return below must not leave it reading the index
			if !synced {
				p.SendPipelineSync() // so that closing the pipeline keeps the connection
				_ = p.Flush()
			}
		}()
	case vecLocal && o != nil:
		vectorLeg()
	}
	// sendVector queues the vector statements and the Sync.
	sendVector := func() error {
		switch {
		case vecLocal && len(vecIDs) > 0:
			p.SendQueryStatement(rescore, rescoreParams(q, vecIDs), nil, nil)
		case runVector && !vecLocal:
			p.SendQueryStatement(settings, [][]byte{[]byte(strconv.Itoa(max(s.cfg.EFSearch, limit)))}, nil, nil)
			p.SendQueryStatement(knn, vectorParams(q, limit), nil, nil)
		}
		p.SendPipelineSync()
		synced = true
		return p.Flush()
	}
	if !concurrent {
		if err := sendVector(); err != nil {
			return lexPass{}, nil, err
		}
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
	behind := dbSeq > applied || (vecLocal && !concurrent && dbSeq > vecSeq)
	if stemming {
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
		}
	}
	if concurrent {
		<-vecDone
		concurrentLegSearches.Add(1)
		behind = behind || dbSeq > vecSeq
		if err := sendVector(); err != nil {
			return lexPass{}, nil, err
		}
	}
	rescoring := vecLocal && len(vecIDs) > 0
	switch {
	case rescoring:
		if vec, err = readVectorText(p); err != nil {
			return lexPass{}, nil, fmt.Errorf("vector search: %w", err)
		}
		sortScored(vec)
		vec = vec[:min(limit, len(vec))]
	case runVector && !vecLocal:
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
		if runVector {
			vectorFallbackSearches.Add(1)
		}
		ix.wake()
		c.Release() // the SQL statements take their own connection
		released = true
		return s.candidatesSQL(ctx, q, limit, runLexical, runVector)
	}
	if runLexical {
		indexedSearches.Add(1)
	}
	if vecLocal {
		vectorLocalSearches.Add(1)
	} else if runVector {
		vectorFallbackSearches.Add(1)
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

// rescoreParams are vectorParams with the candidate ids in place of the limit.
func rescoreParams(q Query, ids []int64) [][]byte {
	p := vectorParams(q, 0)
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '{')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	p[5] = append(b, '}')
	return p
}
