package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/store"
)

// benchRateLimit is the hourly limit a benchmark organization gets, so the limiter never
// refuses the load it measures.
const benchRateLimit = 100_000_000

// benchWorld is what --self-contained builds in this process: a database (DATABASE_URL or the
// embedded cluster), a fresh organization, workers, an API server on a free loopback port and,
// when asked, a fake model server with a fixed latency.
type benchWorld struct {
	base, key, secret string
	model             *fakeModel // nil without --fake-llm-latency
	stop              func()
}

func startBenchWorld(cmd *cobra.Command, opts *globalOptions, mo *modelOptions, fakeLatency time.Duration) (*benchWorld, error) {
	ctx := cmd.Context()
	logger, err := opts.logger(io.Discard)
	if err != nil {
		return nil, err
	}
	if opts.logLevel == "debug" {
		logger, _ = opts.logger(os.Stderr)
	}
	w := &benchWorld{}
	var stops []func()
	w.stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if fakeLatency > 0 {
		w.model = newFakeModel(fakeLatency)
		url, stop, err := w.model.start()
		if err != nil {
			return nil, err
		}
		stops = append(stops, stop)
		mo.embedder, mo.llm, mo.baseURL, mo.chatModel = "offline", "openai", url, "bench-fake"
	}
	embedder, err := mo.newEmbedder(cmd)
	if err != nil {
		w.stop()
		return nil, err
	}
	db, err := opts.openDatabase(ctx, logger, true)
	if err != nil {
		w.stop()
		return nil, err
	}
	stops = append(stops, db.Close)
	if err := store.EnsureVectorIndex(ctx, db.Pool, embedder.Dimensions()); err != nil {
		w.stop()
		return nil, err
	}

	orgs := store.NewOrganizations(db.Pool)
	org, creds, err := orgs.Create(ctx, "bench "+time.Now().UTC().Format(time.RFC3339), benchRateLimit, nil)
	if err == nil {
		err = orgs.SetRateLimit(ctx, org.ID, benchRateLimit)
	}
	if err != nil {
		w.stop()
		return nil, fmt.Errorf("benchmark organization: %w", err)
	}
	w.key, w.secret = creds.Client.ClientID, creds.ClientSecret

	so := &serveOptions{listen: "127.0.0.1:0", uploadLimitMB: 50, sessionLifetime: 30 * time.Minute, shutdownGrace: 5 * time.Second}
	index, stopIndex, err := startLexicalIndex(ctx, db, logger)
	if err != nil {
		w.stop()
		return nil, err
	}
	stops = append(stops, stopIndex)
	srv, err := buildAPI(ctx, db, so, mo, embedder, index, logger)
	if err != nil {
		w.stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", so.listen)
	if err != nil {
		w.stop()
		return nil, err
	}
	w.base = "http://" + ln.Addr().String()
	wo := &workerOptions{concurrency: 4, rescueAfter: 5 * time.Minute, fileTimeout: 20 * time.Minute, crawlTimeout: time.Hour,
		ingest: ingestOptions{chunkTokens: chunk.TargetTokensDefault, chunkMax: chunk.MaxTokensDefault, chunkOverlap: chunk.OverlapTokensDefault,
			pdfMaxPages: 2000, pdfTimeout: 2 * time.Minute, crawlDelay: crawl.MinDelayDefault, crawlUA: crawl.UserAgentDefault}}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() {
		if err := srv.Serve(runCtx, ln, so.shutdownGrace); err != nil {
			logger.Error("bench API server", slog.String("error", err.Error()))
		}
		done <- struct{}{}
	}()
	go func() {
		if err := runWorkers(runCtx, db, wo, embedder, logger); err != nil {
			logger.Error("bench workers", slog.String("error", err.Error()))
		}
		done <- struct{}{}
	}()
	stops = append(stops, func() { cancel(); <-done; <-done })
	return w, nil
}
