package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pipeline"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/worker"
)

// ingestion is what the ingest stage measured.
type ingestion struct {
	Documents int
	Failed    []FailedDocument
	Duration  time.Duration
}

// FailedDocument is a document whose ingestion failed, with the worker's reason.
type FailedDocument struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// ingest creates one knowledge item per document through worker.Knowledge (item and job in one
// transaction, as the API does), runs the River workers in-process until every item is ready
// or failed, then stops them.
func (r *run) ingest(ctx context.Context, ds Dataset) (ingestion, error) {
	start := time.Now()
	inserter, err := worker.NewInsertClient(r.deps.Pool, r.deps.Logger)
	if err != nil {
		return ingestion{}, err
	}
	knowledge := worker.NewKnowledge(r.deps.Pool, inserter)

	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	deps := &worker.Deps{Pool: r.deps.Pool, Logger: r.deps.Logger, Embedder: r.deps.Embedder, Chunker: r.deps.Chunker, Extract: r.deps.Extract}
	go func() {
		done <- worker.Run(wctx, r.deps.Pool, deps, worker.Config{Concurrency: r.cfg.Workers}, r.deps.Logger)
	}()
	var werr error
	stopped := false
	r.stopOnce = func() {
		if !stopped {
			stopped = true
			stop()
			werr = <-done
		}
	}
	defer r.stopOnce()

	r.deps.Progress.Start("ingest", 0)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.cfg.Workers)
	n := 0
	for doc, err := range ds.Documents() {
		if err != nil {
			_ = g.Wait()
			return ingestion{}, err
		}
		if gctx.Err() != nil {
			break
		}
		r.mu.Lock()
		_, dup := r.items[doc.ID]
		r.items[doc.ID] = ""
		r.mu.Unlock()
		if dup {
			_ = g.Wait()
			return ingestion{}, fmt.Errorf("%w: document id %q appears twice", ErrFormat, doc.ID)
		}
		n++
		g.Go(func() error {
			it, data, err := r.item(doc)
			if err != nil {
				return fmt.Errorf("document %s: %w", doc.ID, err)
			}
			var sha string
			if data != nil {
				sum := sha256.Sum256(data)
				sha = hex.EncodeToString(sum[:])
			}
			created, err := knowledge.Create(gctx, it, sha, data)
			if err != nil {
				return fmt.Errorf("create document %s: %w", doc.ID, err)
			}
			r.mu.Lock()
			r.items[doc.ID], r.docs[created.ID] = created.ID, doc.ID
			r.mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return ingestion{}, err
	}
	if err := ctx.Err(); err != nil {
		return ingestion{}, err
	}
	failed, err := r.waitReady(ctx, n)
	if err != nil {
		return ingestion{}, err
	}
	r.stopOnce()
	r.deps.Progress.Finish()
	if werr != nil {
		return ingestion{}, werr
	}
	for _, f := range failed {
		r.deps.Logger.Warn("document failed to ingest", slog.String("document_id", f.ID), slog.String("error", f.Error))
	}
	return ingestion{Documents: n, Failed: failed, Duration: time.Since(start)}, nil
}

// item builds the knowledge item the API would create for the document, with the bytes of a
// file.
func (r *run) item(doc Document) (lorebase.KnowledgeItem, []byte, error) {
	it := lorebase.KnowledgeItem{OrganizationID: r.org, Title: doc.Title, Language: doc.Language}
	if doc.IsQA() {
		it.Type, it.Title, it.Question, it.Answer = lorebase.KnowledgeQA, doc.Question, doc.Question, doc.Answer
		return it, nil, nil
	}
	data := doc.Data
	if data == nil {
		data = []byte(doc.Text)
	}
	if len(data) == 0 {
		return it, nil, fmt.Errorf("%w: empty document", lorebase.ErrInvalid)
	}
	name := doc.FileName
	if name == "" {
		name = filepath.Base(doc.ID)
	}
	fileType, err := pipeline.DetectType(doc.FileType, name, data)
	if err != nil {
		return it, nil, err
	}
	it.Type, it.FileType, it.FileName, it.FileSize = lorebase.KnowledgeFile, fileType, name, int64(len(data))
	return it, data, nil
}

// waitReady polls the item statuses until none is pending or processing.
func (r *run) waitReady(ctx context.Context, total int) ([]FailedDocument, error) {
	items := store.NewKnowledge(r.deps.Pool)
	r.deps.Progress.Start("ingest", total)
	tick := time.NewTicker(r.cfg.Poll)
	defer tick.Stop()
	for {
		_, ready, err := items.List(ctx, r.org, lorebase.KnowledgeFilter{Status: lorebase.StatusReady}, lorebase.Page{Page: 1, PageSize: 1})
		if err != nil {
			return nil, err
		}
		_, failed, err := items.List(ctx, r.org, lorebase.KnowledgeFilter{Status: lorebase.StatusFailed}, lorebase.Page{Page: 1, PageSize: 1})
		if err != nil {
			return nil, err
		}
		r.deps.Progress.Set(ready + failed)
		if ready+failed >= total {
			if failed == 0 {
				return nil, nil
			}
			return r.failedDocuments(ctx, items)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

func (r *run) failedDocuments(ctx context.Context, items *store.Knowledge) ([]FailedDocument, error) {
	var out []FailedDocument
	for page := 1; ; page++ {
		list, _, err := items.List(ctx, r.org, lorebase.KnowledgeFilter{Status: lorebase.StatusFailed}, lorebase.Page{Page: page, PageSize: 500})
		if err != nil {
			return nil, err
		}
		for _, it := range list {
			msg := ""
			if it.Error != nil {
				msg = *it.Error
			}
			out = append(out, FailedDocument{ID: r.documentID(it.ID), Error: msg})
		}
		if len(list) < 500 {
			return out, nil
		}
	}
}
