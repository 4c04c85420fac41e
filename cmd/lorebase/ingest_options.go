package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/ingest/pdf"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

// ingestOptions configure extraction, chunking and crawling.
type ingestOptions struct {
	chunkTokens   int
	chunkMax      int
	chunkOverlap  int
	pdfMaxPages   int
	pdfTimeout    time.Duration
	pdfMaxOps     int64
	pdfMaxDecoded int64
	crawlPrivate  bool
	crawlDelay    time.Duration
	crawlUA       string
	crawlNoSitemp bool
}

func (o *ingestOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&o.chunkTokens, "chunk-tokens", chunk.TargetTokensDefault, "target chunk size in tokens (cl100k BPE)")
	f.IntVar(&o.chunkMax, "chunk-max-tokens", chunk.MaxTokensDefault, "largest chunk in tokens")
	f.IntVar(&o.chunkOverlap, "chunk-overlap", chunk.OverlapTokensDefault, "overlap between neighbouring chunks in tokens")
	f.IntVar(&o.pdfMaxPages, "pdf-max-pages", 2000, "PDFs with more pages are refused")
	f.DurationVar(&o.pdfTimeout, "pdf-timeout", 2*time.Minute, "longest PDF text extraction")
	f.Int64Var(&o.pdfMaxOps, "pdf-max-operators", pdf.MaxOperatorsDefault, "content operators one PDF may run, all pages together")
	f.Int64Var(&o.pdfMaxDecoded, "pdf-max-decoded-mib", pdf.MaxDecodedBytesDefault>>20, "MiB of streams one PDF may decode (a stream shared by pages counts once)")
	f.BoolVar(&o.crawlPrivate, "crawl-allow-private", envBool("LOREBASE_CRAWL_ALLOW_PRIVATE"),
		"let the crawler reach loopback and private addresses (tests, intranets); off by default against SSRF ($LOREBASE_CRAWL_ALLOW_PRIVATE)")
	f.DurationVar(&o.crawlDelay, "crawl-delay", crawl.MinDelayDefault, "least time between two requests to one host")
	f.StringVar(&o.crawlUA, "crawl-user-agent", crawl.UserAgentDefault, "User-Agent of the crawler (its first word selects the robots.txt group)")
	f.BoolVar(&o.crawlNoSitemp, "crawl-no-sitemaps", false, "do not read sitemaps")
}

func (o *ingestOptions) chunker() (*chunk.Chunker, error) {
	return chunk.New(chunk.Config{TargetTokens: o.chunkTokens, MaxTokens: o.chunkMax, OverlapTokens: o.chunkOverlap})
}

func (o *ingestOptions) extractConfig() pipeline.ExtractConfig {
	return pipeline.ExtractConfig{PDF: pdf.Config{MaxPages: o.pdfMaxPages, Timeout: o.pdfTimeout,
		MaxOperators: o.pdfMaxOps, MaxDecodedBytes: o.pdfMaxDecoded << 20}}
}

func (o *ingestOptions) crawlConfig() crawl.Config {
	return crawl.Config{Client: crawl.ClientConfig{AllowPrivate: o.crawlPrivate, UserAgent: o.crawlUA},
		MinDelay: o.crawlDelay, NoSitemaps: o.crawlNoSitemp}
}
