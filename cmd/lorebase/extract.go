package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

func newExtractCommand() *cobra.Command {
	io := &ingestOptions{}
	var showChunks bool
	var fileType string
	cmd := &cobra.Command{
		Use:   "extract FILE|URL",
		Short: "Print the text the pipeline extracts from a file or a web page, and optionally its chunks (no database)",
		Long: `Print what ingestion would extract from a file (PDF, text, Markdown, HTML, CSV, JSON) or a web
page, with page markers, and with --chunks the chunks it would store with their heading path,
page and token count. Use it to see why an answer is missing: if the text is not here, retrieval
cannot find it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := extractTarget(cmd.Context(), args[0], fileType, io)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printDocument(out, doc)
			if !showChunks {
				return nil
			}
			chunker, err := io.chunker()
			if err != nil {
				return err
			}
			chunks := pipeline.Chunk(chunker, doc)
			fmt.Fprintf(out, "\n=== %d chunks ===\n", len(chunks))
			for _, c := range chunks {
				fmt.Fprintf(out, "\n--- chunk %d · %d tokens", c.Position, c.TokenCount)
				if c.Page > 0 {
					fmt.Fprintf(out, " · page %d", c.Page)
				}
				if len(c.HeadingPath) > 0 {
					fmt.Fprintf(out, " · %s", strings.Join(c.HeadingPath, " > "))
				}
				fmt.Fprintf(out, " ---\n%s\n", c.Text)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&showChunks, "chunks", false, "also print the chunks that would be stored")
	cmd.Flags().StringVar(&fileType, "file-type", "", "pdf, text, markdown, html, csv or json (default: from the name and bytes)")
	io.register(cmd)
	return cmd
}

func extractTarget(ctx context.Context, target, fileType string, o *ingestOptions) (*ingest.Document, error) {
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		client, err := crawl.NewClient(o.crawlConfig().Client)
		if err != nil {
			return nil, err
		}
		f, err := crawl.NewFetcher(client, crawl.FetcherConfig{})
		if err != nil {
			return nil, err
		}
		res, err := f.Fetch(ctx, u, crawl.Validators{})
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", target, err)
		}
		return res.Page.Document, nil
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return nil, err
	}
	t, err := pipeline.DetectType(fileType, target, data)
	if err != nil {
		return nil, err
	}
	return pipeline.Extract(ctx, t, data, o.extractConfig())
}

func printDocument(w io.Writer, doc *ingest.Document) {
	if doc.Title != "" {
		fmt.Fprintf(w, "# %s\n", doc.Title)
	}
	if doc.URL != "" {
		fmt.Fprintf(w, "URL: %s\n", doc.URL)
	}
	page := 0
	for _, b := range doc.Blocks {
		if b.Page != page && b.Page > 0 {
			page = b.Page
			fmt.Fprintf(w, "\n=== page %d ===\n", page)
		}
		switch b.Kind {
		case ingest.BlockHeading:
			fmt.Fprintf(w, "\n%s %s\n", strings.Repeat("#", max(1, b.Level)), b.Text)
		default:
			fmt.Fprintf(w, "\n%s\n", b.Text)
		}
	}
	for _, warn := range doc.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", warn)
	}
}
