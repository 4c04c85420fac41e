package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/crawl"
	"github.com/lorebase/lorebase/ingest/html"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

func newExtractCommand() *cobra.Command {
	io := &ingestOptions{}
	var showChunks, stats bool
	var fileType string
	cmd := &cobra.Command{
		Use:   "extract FILE|URL...",
		Short: "Print the text the pipeline extracts from files or web pages, their chunks or how many words they kept (no database)",
		Long: `Print what ingestion would extract from a file (PDF, text, Markdown, HTML, CSV, JSON) or a web
page, with page markers, and with --chunks the chunks it would store with their heading path,
section URL, page and token count. Use it to see why an answer is missing: if the text is not
here, retrieval cannot find it.

With --stats it prints one line per page instead: how many words the page had (its visible body
text, menus and footers included), how many the extraction kept, and how many of those were
dropped as blocks repeated across most of the given pages (as a crawl of the site would drop
them). For PDFs it prints the words kept on each PDF page.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var items []extracted
			for _, target := range args {
				x, err := extractTarget(cmd.Context(), target, fileType, io)
				if err != nil {
					return fmt.Errorf("%s: %w", target, err)
				}
				items = append(items, x)
			}
			out := cmd.OutOrStdout()
			if stats {
				printStats(out, items)
				return nil
			}
			for i, x := range items {
				if i > 0 {
					fmt.Fprintln(out)
				}
				printDocument(out, x.doc)
				if !showChunks {
					continue
				}
				c, err := io.chunker()
				if err != nil {
					return err
				}
				chunks := pipeline.Chunk(c, x.doc)
				fmt.Fprintf(out, "\n=== %d chunks ===\n", len(chunks))
				for _, c := range chunks {
					fmt.Fprintf(out, "\n--- chunk %d · %d tokens", c.Position, c.TokenCount)
					if c.Page > 0 {
						fmt.Fprintf(out, " · page %d", c.Page)
					}
					if len(c.HeadingPath) > 0 {
						fmt.Fprintf(out, " · %s", strings.Join(c.HeadingPath, " > "))
					}
					switch {
					case c.URL != "":
						fmt.Fprintf(out, " · %s", c.URL)
					case c.Anchor != "":
						fmt.Fprintf(out, " · #%s", c.Anchor)
					}
					fmt.Fprintf(out, " ---\n%s\n", c.Content)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&showChunks, "chunks", false, "also print the chunks that would be stored")
	cmd.Flags().BoolVar(&stats, "stats", false, "print per page the words it had and the words extraction kept, instead of the text")
	cmd.Flags().StringVar(&fileType, "file-type", "", "pdf, text, markdown, html, csv or json (default: from the name and bytes)")
	io.register(cmd)
	return cmd
}

// extracted is one target's extraction; words is the page's own word count for HTML, -1 when
// the format has no notion of text the extractor left out.
type extracted struct {
	target string
	doc    *ingest.Document
	words  int
}

func extractTarget(ctx context.Context, target, fileType string, o *ingestOptions) (extracted, error) {
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		client, err := crawl.NewClient(o.crawlConfig().Client)
		if err != nil {
			return extracted{}, err
		}
		f, err := crawl.NewFetcher(client, crawl.FetcherConfig{})
		if err != nil {
			return extracted{}, err
		}
		res, err := f.Fetch(ctx, u, crawl.Validators{})
		if err != nil {
			return extracted{}, fmt.Errorf("fetch: %w", err)
		}
		return extracted{target: target, doc: res.Page.Document, words: res.Page.Words}, nil
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return extracted{}, err
	}
	t, err := pipeline.DetectType(fileType, target, data)
	if err != nil {
		return extracted{}, err
	}
	if t == pipeline.TypeHTML {
		page, err := pipeline.ExtractHTML(data)
		if err != nil {
			return extracted{}, err
		}
		return extracted{target: target, doc: page.Document, words: page.Words}, nil
	}
	doc, err := pipeline.Extract(ctx, t, data, o.extractConfig())
	if err != nil {
		return extracted{}, err
	}
	return extracted{target: target, doc: doc, words: -1}, nil
}

// printStats prints one line per page. Web pages given together are treated as one crawl:
// blocks repeated on most of them are dropped and counted in the REPEATED column.
func printStats(w io.Writer, items []extracted) {
	repeats := html.NewRepeatFilter(html.RepeatFilterConfig{})
	for _, x := range items {
		if x.words >= 0 {
			repeats.Observe(x.doc)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "WORDS\tKEPT\tSHARE\tREPEATED\t PAGE")
	var sumWords, sumKept int
	for _, x := range items {
		if x.words < 0 {
			for _, p := range pdfPageWords(x.doc) {
				fmt.Fprintf(tw, "-\t%d\t-\t-\t %s#page=%d\n", p.words, x.target, p.page)
			}
			continue
		}
		before := html.DocumentWords(x.doc)
		repeats.Filter(x.doc)
		kept := html.DocumentWords(x.doc)
		share := "-"
		if x.words > 0 {
			share = fmt.Sprintf("%.0f%%", 100*float64(kept)/float64(x.words))
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t %s\n", x.words, kept, share, before-kept, x.target)
		sumWords += x.words
		sumKept += kept
	}
	if sumWords > 0 && len(items) > 1 {
		fmt.Fprintf(tw, "%d\t%d\t%.0f%%\t\t %s\n", sumWords, sumKept, 100*float64(sumKept)/float64(sumWords), "total")
	}
	tw.Flush()
}

type pageWords struct{ page, words int }

// pdfPageWords counts the kept words per PDF page (one line for formats without pages).
func pdfPageWords(d *ingest.Document) []pageWords {
	var out []pageWords
	for _, b := range d.Blocks {
		if len(out) == 0 || out[len(out)-1].page != b.Page {
			out = append(out, pageWords{page: b.Page})
		}
		out[len(out)-1].words += html.CountWords(b.Text)
	}
	return out
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
			fmt.Fprintf(w, "\n%s %s", strings.Repeat("#", max(1, b.Level)), b.Text)
			if b.Anchor != "" {
				fmt.Fprintf(w, " {#%s}", b.Anchor)
			}
			fmt.Fprintln(w)
		default:
			fmt.Fprintf(w, "\n%s\n", b.Text)
		}
	}
	for _, warn := range doc.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", warn)
	}
}
