package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Index defaults.
const (
	// IndexPollDefault is how often the change feed is read without a notification: the bound
	// on how late a replica sees a change when a NOTIFY is lost (the listening connection
	// dropped).
	IndexPollDefault = 250 * time.Millisecond
	// IndexMaxLagDefault is how long after its last successful read of the feed the index is
	// still trusted; past it searches fall back to SQL BM25 until the feed is read again.
	IndexMaxLagDefault = 3 * time.Second
	// IndexRetentionDefault is how long rows stay in chunk_changes after every transaction
	// older than them ended; a replica that could not read the feed for longer rebuilds.
	IndexRetentionDefault = time.Hour
)

// changesChannel is the NOTIFY channel of migrations/005_lexical_feed.sql.
const changesChannel = "lorebase_chunk_changes"

// IndexConfig tunes an Index; zero values take the defaults.
type IndexConfig struct {
	Poll      time.Duration
	MaxLag    time.Duration
	Retention time.Duration
	// MaxVectorBytes bounds the memory of the vectors the index holds for the in-process
	// vector leg (default MaxVectorBytesDefault; negative: hold none, pgvector answers every
	// vector search). Organizations are admitted smallest first at the build; one whose growth
	// would pass the bound later is dropped to pgvector until the next build.
	MaxVectorBytes int64
	Logger         *slog.Logger
}

// Index is the in-process lexical index of one replica: every organization's postings in
// block-partitioned lists with per-block score bounds, so BM25 over OR-ed terms skips most
// postings instead of reading them. It is built from chunk_terms and chunk_stats by Run and kept
// current from the chunk_changes feed (NOTIFY plus a poll); a Searcher given the Index uses it
// while it is caught up and SQL BM25 otherwise. Each process has its own.
type Index struct {
	pool *pgxpool.Pool
	cfg  IndexConfig
	log  *slog.Logger

	mu   sync.RWMutex // guards orgs (the map, not the organizations' contents)
	orgs map[uuid.UUID]*orgIndex

	built    atomic.Bool
	lastSync atomic.Int64 // unix nanoseconds of the last successful read of the feed
	kick     chan struct{}

	// feed state, under feedMu (Run's goroutine, and CatchUp from tests)
	feedMu  sync.Mutex
	horizon uint64           // xmin of the last snapshot the feed was read in
	applied map[int64]uint64 // seq → xid of rows at or above the horizon already applied
	marks   []horizonMark    // for pruning chunk_changes

	// figures
	buildTime  atomic.Int64 // nanoseconds of the last build
	applyCount atomic.Int64 // changes applied since start
	vecBytes   atomic.Int64 // heap of the held vectors
	position   atomic.Int64 // the feed's horizon (an xid) after the last read
}

type horizonMark struct {
	at      time.Time
	horizon uint64
}

// NewIndex returns an Index over pool; Run builds and maintains it.
func NewIndex(pool *pgxpool.Pool, cfg IndexConfig) (*Index, error) {
	if pool == nil {
		return nil, errors.New("retrieval: nil database")
	}
	cfg.Poll = cmp.Or(cfg.Poll, IndexPollDefault)
	cfg.MaxLag = cmp.Or(cfg.MaxLag, IndexMaxLagDefault)
	cfg.Retention = cmp.Or(cfg.Retention, IndexRetentionDefault)
	cfg.MaxVectorBytes = cmp.Or(cfg.MaxVectorBytes, MaxVectorBytesDefault)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Index{pool: pool, cfg: cfg, log: log, orgs: map[uuid.UUID]*orgIndex{}, kick: make(chan struct{}, 1)}, nil
}

// Ready reports whether searches use the index: it is built and has read the feed recently.
func (ix *Index) Ready() bool {
	if ix == nil || !ix.built.Load() {
		return false
	}
	return time.Since(time.Unix(0, ix.lastSync.Load())) <= ix.cfg.MaxLag
}

// org returns the organization's index, or nil when it has no chunks.
func (ix *Index) org(id uuid.UUID) *orgIndex {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.orgs[id]
}

// IndexStats describes the index for logs and benchmarks.
type IndexStats struct {
	Organizations int
	Chunks        int64
	Postings      int64
	Bytes         int64 // estimate of the heap the postings, blocks and documents take
	Vectors       int64 // live vectors held for the in-process vector leg
	VectorBytes   int64 // their heap (sign bits, int8 codes, scales, slots, tombstones)
	VectorOrgs    int   // organizations whose vectors are held
	Tombstones    int64 // deleted chunks still in documents' slots (compacted when many)
	BuildTime     time.Duration
	Applied       int64 // changes applied from the feed since the build
}

// Stats counts the index's contents.
func (ix *Index) Stats() IndexStats {
	ix.mu.RLock()
	orgs := make([]*orgIndex, 0, len(ix.orgs))
	for _, o := range ix.orgs {
		orgs = append(orgs, o)
	}
	ix.mu.RUnlock()
	s := IndexStats{Organizations: len(orgs), BuildTime: time.Duration(ix.buildTime.Load()), Applied: ix.applyCount.Load()}
	for _, o := range orgs {
		o.mu.RLock()
		s.Chunks += o.live
		for t, p := range o.lists {
			_ = t
			s.Postings += int64(len(p.docs))
			s.Bytes += int64(cap(p.docs))*4 + int64(cap(p.tfs))*2 + int64(cap(p.blocks))*12 + 64
		}
		for i := range o.docs {
			s.Bytes += 96 + int64(cap(o.docs[i].terms))*4 + int64(len(o.docs[i].assistants))*16
		}
		s.Bytes += int64(len(o.dict))*48 + int64(len(o.byChunk))*24
		s.Tombstones += int64(o.dead)
		if o.vecsHeld {
			s.VectorOrgs++
		}
		for _, vs := range o.vecs {
			s.Vectors += int64(vs.len() - vs.dead)
			s.VectorBytes += vs.bytes()
		}
		o.mu.RUnlock()
	}
	return s
}

// Run builds the index (unless Build already did), then follows the change feed until ctx
// ends. It returns nil when ctx ends; a failed build is logged and retried.
func (ix *Index) Run(ctx context.Context) error {
	for !ix.built.Load() {
		err := ix.build(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		ix.log.Error("lexical index build failed; searches use SQL BM25", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
	}
	var listening sync.WaitGroup
	listening.Add(1)
	go func() { defer listening.Done(); ix.listen(ctx) }()
	defer listening.Wait()
	tick := time.NewTicker(ix.cfg.Poll)
	defer tick.Stop()
	lastPrune := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-ix.kick:
		}
		if err := ix.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			ix.log.Warn("lexical index: reading the change feed failed", slog.Any("error", err))
			if time.Since(time.Unix(0, ix.lastSync.Load())) > ix.cfg.Retention/2 {
				ix.log.Warn("lexical index: feed unread for too long; rebuilding")
				if err := ix.build(ctx); err != nil && ctx.Err() == nil {
					ix.log.Error("lexical index rebuild failed", slog.Any("error", err))
				}
			}
			continue
		}
		if time.Since(lastPrune) > time.Minute {
			lastPrune = time.Now()
			ix.prune(ctx)
		}
	}
}

// listen wakes Run on every notification of the feed, reconnecting after errors (the poll
// covers the gap).
func (ix *Index) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := ix.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		ix.log.Warn("lexical index: LISTEN connection lost; polling meanwhile", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (ix *Index) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, ix.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	ix.wake() // changes committed while the connection was down
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		ix.wake()
	}
}

func (ix *Index) wake() {
	select {
	case ix.kick <- struct{}{}:
	default:
	}
}

const (
	snapshotXminSQL = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`
	buildDocsSQL    = `
SELECT s.chunk_id, s.organization_id, s.text_config::text, s.doc_len, c.kind = 'qa', c.assistant_ids
FROM chunk_stats s JOIN chunks c ON c.id = s.chunk_id
ORDER BY s.organization_id, s.chunk_id`
	buildTermsSQL = `SELECT organization_id, term, chunk_id, tf FROM chunk_terms ORDER BY organization_id, term, chunk_id`
	feedRowsSQL   = `SELECT seq, xid::text, organization_id, chunk_id, op::text FROM chunk_changes WHERE xid >= $1::text::xid8 ORDER BY seq`
	feedDocsSQL   = `
SELECT s.chunk_id, s.organization_id, s.text_config::text, s.doc_len, c.kind = 'qa', c.assistant_ids
FROM chunk_stats s JOIN chunks c ON c.id = s.chunk_id
WHERE s.chunk_id = ANY ($1::bigint[])`
	feedTermsSQL  = `SELECT chunk_id, term, tf FROM chunk_terms WHERE chunk_id = ANY ($1::bigint[]) ORDER BY chunk_id, term`
	pruneSQL      = `DELETE FROM chunk_changes WHERE xid < $1::text::xid8`
	feedMaxSeqSQL = `SELECT organization_id, max(seq) FROM chunk_changes GROUP BY organization_id`
	// Vectors: what each organization's would take, then those of the admitted ones. Binary
	// results: the vector is decoded from pgvector's wire format without an allocation a row.
	buildVectorSizesSQL = `SELECT organization_id, sum(embedding_dims)::bigint, count(*) FROM chunks WHERE embedding_dims > 0 GROUP BY organization_id`
	buildVectorsSQL     = `SELECT organization_id, id, embedding_model, embedding FROM chunks WHERE embedding_dims > 0 AND organization_id = ANY ($1::uuid[])`
	feedVectorsSQL      = `SELECT id, embedding_model, embedding FROM chunks WHERE id = ANY ($1::bigint[]) AND embedding_dims > 0`
	// latestSeqSQL is sent with every indexed search (see candidatesIndexed).
	latestSeqSQL = `SELECT coalesce(max(seq), 0) FROM chunk_changes WHERE organization_id = $1::uuid`
)

// Build loads the index once from the database (Run does it too); with CatchUp it lets tests
// and benchmarks drive the index without Run's goroutine.
func (ix *Index) Build(ctx context.Context) error { return ix.build(ctx) }

// build loads every organization from one snapshot and replaces the index with it.
func (ix *Index) build(ctx context.Context) error {
	ix.feedMu.Lock()
	defer ix.feedMu.Unlock()
	start := time.Now()
	tx, err := ix.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	horizon, err := snapshotXmin(ctx, tx)
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	orgs := map[uuid.UUID]*orgIndex{}
	rows, err := tx.Query(ctx, buildDocsSQL)
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	var (
		chunkID int64
		orgID   uuid.UUID
		config  string
		docLen  int32
		qa      bool
		assist  []uuid.UUID
		o       *orgIndex
		last    uuid.UUID
	)
	_, err = pgx.ForEachRow(rows, []any{&chunkID, &orgID, &config, &docLen, &qa, &assist}, func() error {
		if o == nil || orgID != last {
			o, last = newOrgIndex(), orgID
			orgs[orgID] = o
		}
		d := docInfo{chunkID: chunkID, docLen: docLen, qa: qa, config: internConfig(config)}
		if len(assist) > 0 {
			d.assistants = append([]uuid.UUID(nil), assist...)
		}
		o.byChunk[chunkID] = uint32(len(o.docs))
		o.docs = append(o.docs, d)
		o.live++
		o.totalLen += int64(docLen)
		o.configs[config]++
		return nil
	})
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	rows, err = tx.Query(ctx, buildTermsSQL)
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	var (
		term   string
		tf     int32
		p      *postings
		pTerm  string
		counts = map[*orgIndex][]uint32{} // postings per document, for the documents' term lists
	)
	o, last = nil, uuid.Nil
	_, err = pgx.ForEachRow(rows, []any{&orgID, &term, &chunkID, &tf}, func() error {
		if o == nil || orgID != last {
			o, last, p = orgs[orgID], orgID, nil
			if o == nil { // postings without stats: impossible by the triggers, skipped
				return nil
			}
		}
		if o == nil {
			return nil
		}
		doc, ok := o.byChunk[chunkID]
		if !ok {
			return nil
		}
		if p == nil || term != pTerm {
			tid := o.termID(term)
			p, pTerm = o.lists[tid], term
		}
		p.add(doc, clampTF(tf), o.docs[doc].docLen)
		c := counts[o]
		if c == nil {
			c = make([]uint32, len(o.docs))
			counts[o] = c
		}
		c[doc]++
		return nil
	})
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	// The documents' term lists, in one allocation per organization.
	for o, c := range counts {
		total := 0
		for _, n := range c {
			total += int(n)
		}
		arena := make([]uint32, total)
		off := 0
		for d, n := range c {
			o.docs[d].terms = arena[off : off : off+int(n)]
			off += int(n)
		}
		for tid, p := range o.lists {
			for _, d := range p.docs {
				o.docs[d].terms = append(o.docs[d].terms, uint32(tid))
			}
		}
	}
	vecBytes, err := ix.buildVectors(ctx, tx, orgs)
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	// Each organization's latest feed row in this snapshot: searches compare it with the
	// database's to know whether this replica has applied their organization's last commit.
	rows, err = tx.Query(ctx, feedMaxSeqSQL)
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	var maxSeq int64
	_, err = pgx.ForEachRow(rows, []any{&orgID, &maxSeq}, func() error {
		o := orgs[orgID]
		if o == nil {
			o = newOrgIndex() // every chunk deleted
			o.vecsHeld = ix.cfg.MaxVectorBytes > 0
			orgs[orgID] = o
		}
		o.seq = maxSeq
		return nil
	})
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	// The feed rows this snapshot already contains.
	applied := map[int64]uint64{}
	rows, err = tx.Query(ctx, feedRowsSQL, strconv.FormatUint(horizon, 10))
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	var (
		seq     int64
		xidText string
		op      string
	)
	_, err = pgx.ForEachRow(rows, []any{&seq, &xidText, &orgID, &chunkID, &op}, func() error {
		x, err := strconv.ParseUint(xidText, 10, 64)
		applied[seq] = x
		return err
	})
	if err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("lexical index build: %w", err)
	}
	ix.mu.Lock()
	ix.orgs = orgs
	ix.mu.Unlock()
	ix.vecBytes.Store(vecBytes)
	ix.position.Store(int64(horizon))
	ix.horizon, ix.applied = horizon, applied
	ix.marks = append(ix.marks[:0], horizonMark{at: time.Now(), horizon: horizon})
	ix.buildTime.Store(int64(time.Since(start)))
	ix.lastSync.Store(time.Now().UnixNano())
	ix.built.Store(true)
	st := ix.Stats()
	ix.log.Info("lexical index built", slog.Int("organizations", st.Organizations), slog.Int64("chunks", st.Chunks),
		slog.Int64("postings", st.Postings), slog.Int64("bytes", st.Bytes), slog.Int64("vectors", st.Vectors),
		slog.Int64("vector_bytes", st.VectorBytes), slog.Int("vector_organizations", st.VectorOrgs),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return nil
}

// buildVectors loads the vectors of the organizations that fit in MaxVectorBytes, smallest
// first, into orgs (built from the same snapshot), and returns their heap.
func (ix *Index) buildVectors(ctx context.Context, tx pgx.Tx, orgs map[uuid.UUID]*orgIndex) (int64, error) {
	if ix.cfg.MaxVectorBytes <= 0 {
		return 0, nil
	}
	type size struct {
		org   uuid.UUID
		bytes int64
	}
	var sizes []size
	var (
		orgID      uuid.UUID
		dims, cnt  int64
		admitted   []uuid.UUID
		total      int64
		notHeldLog []string
	)
	rows, err := tx.Query(ctx, buildVectorSizesSQL)
	if err != nil {
		return 0, err
	}
	_, err = pgx.ForEachRow(rows, []any{&orgID, &dims, &cnt}, func() error {
		// slotBytes per vector of the average dimension, plus the slices' growth slack.
		sizes = append(sizes, size{orgID, cnt*slotBytes(int(dims/max(cnt, 1))) + cnt*16})
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(sizes, func(a, b size) int { return cmp.Compare(a.bytes, b.bytes) })
	held := map[uuid.UUID]bool{}
	for _, sz := range sizes {
		if total+sz.bytes > ix.cfg.MaxVectorBytes {
			notHeldLog = append(notHeldLog, sz.org.String())
			continue
		}
		total += sz.bytes
		held[sz.org] = true
		admitted = append(admitted, sz.org)
	}
	hasVectors := make(map[uuid.UUID]bool, len(sizes))
	for _, sz := range sizes {
		hasVectors[sz.org] = true
	}
	for id, o := range orgs {
		o.vecsHeld = held[id] || !hasVectors[id]
	}
	if len(notHeldLog) > 0 {
		ix.log.Warn("vector index: organizations beyond the memory bound search through pgvector",
			slog.Int64("max_vector_bytes", ix.cfg.MaxVectorBytes), slog.Any("organizations", notHeldLog))
	}
	if len(admitted) == 0 {
		return 0, nil
	}
	rows, err = tx.Query(ctx, buildVectorsSQL, admitted)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var (
		chunkID int64
		model   string
		buf     []float32
		o       *orgIndex
		last    uuid.UUID
		keys    = map[vecKey]vecKey{} // interned model names
	)
	for rows.Next() {
		if err := rows.Scan(&orgID, &chunkID, &model, nil); err != nil {
			return 0, err
		}
		if o == nil || orgID != last {
			o, last = orgs[orgID], orgID
		}
		if o == nil {
			continue
		}
		doc, ok := o.byChunk[chunkID]
		if !ok {
			continue
		}
		if buf, err = decodeVector(rows.RawValues()[3], buf); err != nil {
			return 0, fmt.Errorf("chunk %d: %w", chunkID, err)
		}
		k := vecKey{model: model, dims: len(buf)}
		if ik, ok := keys[k]; ok {
			k = ik
		} else {
			keys[k] = k
		}
		o.addVector(doc, k, buf)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var bytes int64
	for _, o := range orgs {
		for _, vs := range o.vecs {
			vs.trim()
		}
		bytes += o.vectorBytes()
	}
	return bytes, nil
}

// internConfig shares one string per configuration name among all documents.
func internConfig(name string) string {
	if c, ok := configNamesInterned[name]; ok {
		return c
	}
	return name
}

var configNamesInterned = func() map[string]string {
	m := map[string]string{}
	for c := range configNames {
		m[c] = c
	}
	return m
}()

func snapshotXmin(ctx context.Context, tx pgx.Tx) (uint64, error) {
	var s string
	if err := tx.QueryRow(ctx, snapshotXminSQL).Scan(&s); err != nil {
		return 0, err
	}
	return strconv.ParseUint(s, 10, 64)
}

type change struct {
	seq   int64
	xid   uint64
	org   uuid.UUID
	chunk int64
	op    byte
}

type loadedDoc struct {
	org   uuid.UUID
	doc   docInfo
	terms []chunkTerm
	vkey  vecKey
	vec   []float32
}

// CatchUp reads the change feed once and applies what is new. Run calls it on every
// notification and poll; tests call it to avoid waiting.
func (ix *Index) CatchUp(ctx context.Context) error {
	if !ix.built.Load() {
		return errors.New("lexical index not built")
	}
	ix.feedMu.Lock()
	defer ix.feedMu.Unlock()
	tx, err := ix.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	horizon, err := snapshotXmin(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, feedRowsSQL, strconv.FormatUint(ix.horizon, 10))
	if err != nil {
		return err
	}
	var (
		changes []change
		c       change
		xidText string
		op      string
	)
	_, err = pgx.ForEachRow(rows, []any{&c.seq, &xidText, &c.org, &c.chunk, &op}, func() error {
		if _, done := ix.applied[c.seq]; done {
			return nil
		}
		x, err := strconv.ParseUint(xidText, 10, 64)
		if err != nil {
			return err
		}
		c.xid, c.op = x, op[0]
		changes = append(changes, c)
		return nil
	})
	if err != nil {
		return err
	}
	var load []int64
	for _, c := range changes {
		if c.op != 'd' {
			load = append(load, c.chunk)
		}
	}
	docs, err := loadDocs(ctx, tx, load, ix.cfg.MaxVectorBytes > 0)
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	ix.apply(changes, docs)
	for _, c := range changes {
		ix.applied[c.seq] = c.xid
	}
	for seq, x := range ix.applied {
		if x < horizon {
			delete(ix.applied, seq) // below the new horizon: never read again
		}
	}
	ix.horizon = horizon
	ix.position.Store(int64(horizon))
	if len(ix.marks) == 0 || time.Since(ix.marks[len(ix.marks)-1].at) > time.Minute {
		ix.marks = append(ix.marks, horizonMark{at: time.Now(), horizon: horizon})
	}
	ix.applyCount.Add(int64(len(changes)))
	ix.lastSync.Store(time.Now().UnixNano())
	return nil
}

func loadDocs(ctx context.Context, tx pgx.Tx, ids []int64, withVectors bool) (map[int64]*loadedDoc, error) {
	out := map[int64]*loadedDoc{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, feedDocsSQL, ids)
	if err != nil {
		return nil, err
	}
	var (
		chunkID int64
		orgID   uuid.UUID
		config  string
		docLen  int32
		qa      bool
		assist  []uuid.UUID
	)
	_, err = pgx.ForEachRow(rows, []any{&chunkID, &orgID, &config, &docLen, &qa, &assist}, func() error {
		d := &loadedDoc{org: orgID, doc: docInfo{chunkID: chunkID, docLen: docLen, qa: qa, config: internConfig(config)}}
		if len(assist) > 0 {
			d.doc.assistants = append([]uuid.UUID(nil), assist...)
		}
		out[chunkID] = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, feedTermsSQL, ids)
	if err != nil {
		return nil, err
	}
	var (
		term string
		tf   int32
	)
	_, err = pgx.ForEachRow(rows, []any{&chunkID, &term, &tf}, func() error {
		if d := out[chunkID]; d != nil {
			d.terms = append(d.terms, chunkTerm{term: term, tf: tf})
		}
		return nil
	})
	if err != nil || !withVectors {
		return out, err
	}
	rows, err = tx.Query(ctx, feedVectorsSQL, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var model string
	for rows.Next() {
		if err := rows.Scan(&chunkID, &model, nil); err != nil {
			return nil, err
		}
		d := out[chunkID]
		if d == nil {
			continue
		}
		if d.vec, err = decodeVector(rows.RawValues()[2], nil); err != nil {
			return nil, fmt.Errorf("chunk %d: %w", chunkID, err)
		}
		d.vkey = vecKey{model: model, dims: len(d.vec)}
	}
	return out, rows.Err()
}

// apply runs the changes in feed order, holding each touched organization's lock once.
func (ix *Index) apply(changes []change, docs map[int64]*loadedDoc) {
	if len(changes) == 0 {
		return
	}
	byOrg := map[uuid.UUID][]change{}
	var order []uuid.UUID
	for _, c := range changes {
		if _, ok := byOrg[c.org]; !ok {
			order = append(order, c.org)
		}
		byOrg[c.org] = append(byOrg[c.org], c)
	}
	for _, orgID := range order {
		ix.mu.Lock()
		o := ix.orgs[orgID]
		if o == nil {
			o = newOrgIndex()
			o.vecsHeld = ix.cfg.MaxVectorBytes > 0
			ix.orgs[orgID] = o
		}
		ix.mu.Unlock()
		o.mu.Lock()
		before := o.vectorBytes()
		for _, c := range byOrg[orgID] {
			o.seq = max(o.seq, c.seq)
			switch c.op {
			case 'd':
				o.removeChunk(c.chunk)
			case 'u':
				o.removeChunk(c.chunk)
				fallthrough
			case 'i':
				// Absent from the snapshot: deleted since, and its 'd' row is in this batch.
				if d := docs[c.chunk]; d != nil && d.org == orgID {
					if doc, ok := o.addDoc(d.doc, d.terms); ok && o.vecsHeld && d.vec != nil {
						o.addVector(doc, d.vkey, d.vec)
					}
				}
			}
		}
		if o.needsDocCompaction() {
			o.compactDocs()
		}
		if o.vecsHeld {
			after := o.vectorBytes()
			if total := ix.vecBytes.Add(after - before); total > ix.cfg.MaxVectorBytes {
				o.dropVectors()
				ix.vecBytes.Add(-after)
				ix.log.Warn("vector index: memory bound reached; the organization searches through pgvector until the next build",
					slog.String("organization", orgID.String()), slog.Int64("max_vector_bytes", ix.cfg.MaxVectorBytes))
			}
		}
		o.mu.Unlock()
	}
}

// prune deletes feed rows every replica has read: those of transactions that had ended before
// the oldest horizon this replica recorded more than the retention ago.
func (ix *Index) prune(ctx context.Context) {
	ix.feedMu.Lock()
	defer ix.feedMu.Unlock()
	var keep []horizonMark
	var cut uint64
	for _, m := range ix.marks {
		if time.Since(m.at) > ix.cfg.Retention {
			cut = m.horizon
		} else {
			keep = append(keep, m)
		}
	}
	ix.marks = keep
	if cut == 0 {
		return
	}
	tag, err := ix.pool.Exec(ctx, pruneSQL, strconv.FormatUint(cut, 10))
	if err != nil {
		ix.log.Warn("lexical index: pruning the change feed failed", slog.Any("error", err))
		return
	}
	if tag.RowsAffected() > 0 {
		ix.log.Debug("lexical index: pruned the change feed", slog.Int64("rows", tag.RowsAffected()))
	}
}
