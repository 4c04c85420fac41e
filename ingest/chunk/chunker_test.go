package chunk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
)

func newTestChunker(t testing.TB, cfg Config) *Chunker {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func para(text string) ingest.Block { return ingest.Block{Kind: ingest.BlockParagraph, Text: text} }
func head(level int, text string) ingest.Block {
	return ingest.Block{Kind: ingest.BlockHeading, Text: text, Level: level}
}

// sentence returns a distinct ~12-token English sentence.
func sentence(i int) string {
	return fmt.Sprintf("Step %d configures the replication agent before the nightly backup runs.", i)
}

func sentencesText(from, n int) string {
	var s []string
	for i := from; i < from+n; i++ {
		s = append(s, sentence(i))
	}
	return strings.Join(s, " ")
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want Config
		err  bool
	}{
		{name: "defaults", cfg: Config{}, want: Config{350, 512, 50}},
		{name: "negative overlap disables", cfg: Config{OverlapTokens: -1}, want: Config{350, 512, 0}},
		{name: "overlap not below target", cfg: Config{TargetTokens: 40, OverlapTokens: 40}, err: true},
		{name: "target above max", cfg: Config{TargetTokens: 600}, err: true},
		{name: "max too small", cfg: Config{TargetTokens: 4, MaxTokens: 8, OverlapTokens: 1}, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if tc.err {
				if !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("err = %v, want ErrInvalidConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Config(); got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestChunkRules(t *testing.T) {
	small := Config{TargetTokens: 60, MaxTokens: 80, OverlapTokens: 15}
	tests := []struct {
		name  string
		cfg   Config
		doc   ingest.Document
		check func(t *testing.T, c *Chunker, chunks []lorebase.Chunk)
	}{
		{
			name: "headings set the path and are not chunks",
			doc: ingest.Document{URL: "https://x/doc", Blocks: []ingest.Block{
				head(1, "Guide"), para("Intro text."), head(2, "Install"), para("Run it."),
				head(2, "Upgrade"), para("Stop first."), head(1, "Reference"), para("Flags."),
			}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				want := []struct {
					text string
					path []string
				}{
					{"Intro text.", []string{"Guide"}},
					{"Run it.", []string{"Guide", "Install"}},
					{"Stop first.", []string{"Guide", "Upgrade"}},
					{"Flags.", []string{"Reference"}},
				}
				if len(chunks) != len(want) {
					t.Fatalf("got %d chunks, want %d: %+v", len(chunks), len(want), chunks)
				}
				for i, w := range want {
					if chunks[i].Content != w.text || !slices.Equal(chunks[i].HeadingPath, w.path) {
						t.Errorf("chunk %d = %q %q, want %q %q", i, chunks[i].Content, chunks[i].HeadingPath, w.text, w.path)
					}
					if chunks[i].Position != i || chunks[i].URL != "https://x/doc" {
						t.Errorf("chunk %d position %d url %q", i, chunks[i].Position, chunks[i].URL)
					}
				}
			},
		},
		{
			name: "small blocks pack into one chunk",
			doc:  ingest.Document{Blocks: []ingest.Block{para("One."), {Kind: ingest.BlockList, Text: "- a\n- b"}, para("Two.")}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) != 1 || chunks[0].Content != "One.\n\n- a\n- b\n\nTwo." {
					t.Fatalf("chunks = %+v", chunks)
				}
			},
		},
		{
			name: "oversized paragraph splits at sentences with overlap",
			cfg:  small,
			doc:  ingest.Document{Blocks: []ingest.Block{para(sentencesText(1, 12))}},
			check: func(t *testing.T, c *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) < 3 {
					t.Fatalf("got %d chunks, want >= 3", len(chunks))
				}
				for i, ch := range chunks {
					if !strings.HasSuffix(ch.Content, "runs.") || !strings.HasPrefix(ch.Content, "Step ") {
						t.Errorf("chunk %d not cut at sentences: %q", i, ch.Content)
					}
					if ch.TokenCount > 80 || ch.TokenCount != c.CountTokens(ch.Content) {
						t.Errorf("chunk %d token count %d (exact %d)", i, ch.TokenCount, c.CountTokens(ch.Content))
					}
					if i > 0 {
						prev := chunks[i-1].Content
						last := prev[strings.LastIndex(prev, "Step "):]
						if !strings.HasPrefix(ch.Content, last) {
							t.Errorf("chunk %d does not start with the previous chunk's last sentence %q: %q", i, last, ch.Content)
						}
					}
				}
			},
		},
		{
			name: "no overlap across sections",
			cfg:  small,
			doc:  ingest.Document{Blocks: []ingest.Block{head(1, "A"), para(sentencesText(1, 6)), head(1, "B"), para("Fresh start.")}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if last := chunks[len(chunks)-1]; last.Content != "Fresh start." {
					t.Errorf("last chunk = %q, want no overlap", last.Content)
				}
			},
		},
		{
			name: "table split repeats header",
			cfg:  small,
			doc: ingest.Document{Blocks: []ingest.Block{{Kind: ingest.BlockTable, Text: "Host | Port | Role\n" +
				strings.Join(func() []string {
					var rows []string
					for i := range 30 {
						rows = append(rows, fmt.Sprintf("node-%02d.example.net | %d | replica", i, 5400+i))
					}
					return rows
				}(), "\n")}}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) < 2 {
					t.Fatalf("got %d chunks, want a split table", len(chunks))
				}
				seen := 0
				for i, ch := range chunks {
					if !strings.HasPrefix(ch.Content, "Host | Port | Role\nnode-") {
						t.Errorf("chunk %d lacks the header: %q", i, ch.Content)
					}
					seen += strings.Count(ch.Content, "| replica")
				}
				if seen != 30 {
					t.Errorf("rows across chunks = %d, want 30 (no overlap for tables)", seen)
				}
			},
		},
		{
			name: "list splits between items",
			cfg:  small,
			doc: ingest.Document{Blocks: []ingest.Block{{Kind: ingest.BlockList, Text: strings.Join(func() []string {
				var items []string
				for i := range 20 {
					items = append(items, fmt.Sprintf("- item %d: enable the %d-th feature flag", i, i))
				}
				return items
			}(), "\n")}}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) < 2 {
					t.Fatalf("got %d chunks", len(chunks))
				}
				for i, ch := range chunks {
					for line := range strings.SplitSeq(ch.Content, "\n") {
						if !strings.HasPrefix(line, "- item ") || !strings.HasSuffix(line, "feature flag") {
							t.Errorf("chunk %d has a broken item %q", i, line)
						}
					}
				}
			},
		},
		{
			name: "CJK splits at ideographic full stops",
			cfg:  small,
			doc:  ingest.Document{Blocks: []ingest.Block{para(strings.Repeat("数据库备份每天晚上自动运行一次。", 12))}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) < 2 {
					t.Fatalf("got %d chunks", len(chunks))
				}
				for i, ch := range chunks {
					if !strings.HasPrefix(ch.Content, "数据库") || !strings.HasSuffix(ch.Content, "。") {
						t.Errorf("chunk %d not cut at 。: %q", i, ch.Content)
					}
				}
			},
		},
		{
			name: "unbreakable text splits at tokens on rune boundaries",
			cfg:  small,
			doc:  ingest.Document{Blocks: []ingest.Block{para(strings.Repeat("鍵", 300))}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				total := 0
				for _, ch := range chunks {
					total += strings.Count(ch.Content, "鍵")
					if ch.TokenCount > 80 {
						t.Errorf("chunk over max: %d", ch.TokenCount)
					}
				}
				if total != 300 {
					t.Errorf("characters kept = %d, want 300", total)
				}
			},
		},
		{
			name: "page is the first block's page",
			cfg:  small,
			doc: ingest.Document{Blocks: []ingest.Block{
				{Kind: ingest.BlockParagraph, Text: "On page two.", Page: 2},
				{Kind: ingest.BlockParagraph, Text: "On page three.", Page: 3},
			}},
			check: func(t *testing.T, _ *Chunker, chunks []lorebase.Chunk) {
				if len(chunks) != 1 || chunks[0].Page != 2 {
					t.Errorf("chunks = %+v, want one chunk on page 2", chunks)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChunker(t, tc.cfg)
			tc.check(t, c, c.Chunk(&tc.doc))
		})
	}
}

func TestChunkDeterministicAndConcurrent(t *testing.T) {
	c := newTestChunker(t, Config{TargetTokens: 100, MaxTokens: 150, OverlapTokens: 20})
	doc := manual(5)
	want := c.Chunk(doc)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := c.Chunk(doc); !slices.EqualFunc(got, want, func(a, b lorebase.Chunk) bool {
				return a.Content == b.Content && a.Position == b.Position && slices.Equal(a.HeadingPath, b.HeadingPath)
			}) {
				t.Error("concurrent run gave different chunks")
			}
		})
	}
	wg.Wait()
}

func TestCountTokensPathologicalWhitespace(t *testing.T) {
	c := newTestChunker(t, Config{})
	// Raw, this takes the tokenizer's regex seconds; normalised it is a few tokens.
	if n := c.CountTokens(strings.Repeat(" \n", 50_000) + "x"); n > 3 {
		t.Errorf("count = %d", n)
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"One. Two! Three? Four", []string{"One.", "Two!", "Three?", "Four"}},
		{"See e.g. Section 2. Dr. Smith agreed. Version 1.2 is out.", []string{"See e.g. Section 2.", "Dr. Smith agreed.", "Version 1.2 is out."}},
		{"It costs approx. three euros. J. R. Tolkien wrote it.", []string{"It costs approx. three euros.", "J. R. Tolkien wrote it."}},
		{`He said "Stop." Then left.`, []string{`He said "Stop."`, "Then left."}},
		{"第一句。第二句！第三句？", []string{"第一句。", "第二句！", "第三句？"}},
	}
	for _, tc := range tests {
		var got []string
		for _, p := range sentences(tc.in) {
			got = append(got, p.text)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
