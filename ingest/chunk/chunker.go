// Package chunk cuts an extracted ingest.Document into retrieval-sized lorebase.Chunks measured
// in real BPE tokens (cl100k_base). It follows the document's structure: headings open sections and
// become each chunk's HeadingPath, blocks are packed whole when they fit, and only blocks larger
// than MaxTokens are split — between table rows (repeating the header), list items, code lines,
// sentences, and as a last resort between tokens.
package chunk

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/tiktoken-go/tokenizer"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
)

// Defaults sized for embedding models with a 512-token window (most open models: bge, e5, gte):
// a 350-token target leaves room for the heading path the caller prepends, and 50 tokens of
// overlap (~2 sentences) keeps a sentence that straddles a cut answerable from either chunk.
const (
	TargetTokensDefault  = 350
	MaxTokensDefault     = 512
	OverlapTokensDefault = 50

	// minMaxTokens keeps the header-repeat and token-split budgets positive.
	minMaxTokens = 16
)

// ErrInvalidConfig is returned by New for inconsistent sizes.
var ErrInvalidConfig = errors.New("chunk: invalid config")

// Config sizes chunks in tokens. Zero fields take the defaults; a negative OverlapTokens
// disables overlap (zero cannot, because zero means "default").
type Config struct {
	TargetTokens  int // pack blocks until a chunk would exceed this
	MaxTokens     int // hard ceiling: no chunk is longer
	OverlapTokens int // whole sentences repeated at the start of the next chunk in a section
}

// Chunker is safe for concurrent use: it holds only its config and the shared, read-only codec.
type Chunker struct {
	cfg   Config
	codec tokenizer.Codec
}

// New fills defaults and validates that overlap < target <= max.
func New(cfg Config) (*Chunker, error) {
	cfg.TargetTokens = cmp.Or(cfg.TargetTokens, TargetTokensDefault)
	cfg.MaxTokens = cmp.Or(cfg.MaxTokens, MaxTokensDefault)
	cfg.OverlapTokens = cmp.Or(cfg.OverlapTokens, OverlapTokensDefault)
	cfg.OverlapTokens = max(cfg.OverlapTokens, 0)
	switch {
	case cfg.MaxTokens < minMaxTokens:
		return nil, fmt.Errorf("%w: MaxTokens %d is below %d", ErrInvalidConfig, cfg.MaxTokens, minMaxTokens)
	case cfg.TargetTokens < 1 || cfg.TargetTokens > cfg.MaxTokens:
		return nil, fmt.Errorf("%w: TargetTokens %d must be in 1..MaxTokens (%d)", ErrInvalidConfig, cfg.TargetTokens, cfg.MaxTokens)
	case cfg.OverlapTokens >= cfg.TargetTokens:
		return nil, fmt.Errorf("%w: OverlapTokens %d must be below TargetTokens %d", ErrInvalidConfig, cfg.OverlapTokens, cfg.TargetTokens)
	}
	codec, err := sharedCodec()
	if err != nil {
		return nil, fmt.Errorf("chunk: load cl100k_base: %w", err)
	}
	return &Chunker{cfg: cfg, codec: codec}, nil
}

// Config returns the effective configuration, defaults filled.
func (c *Chunker) Config() Config { return c.cfg }

// Chunk splits doc into chunks in document order. It is deterministic: the same document and
// config always give the same chunks.
func (c *Chunker) Chunk(doc *ingest.Document) []lorebase.Chunk {
	if doc == nil {
		return nil
	}
	p := &packer{c: c, url: doc.URL}
	var headings []heading
	var section []atom
	for i, b := range doc.Blocks {
		if b.Kind == ingest.BlockHeading {
			text := collapseSpaces(b.Text)
			if text == "" {
				continue
			}
			// A heading always closes the running section, so no chunk spans two sections.
			p.packSection(section, headingTexts(headings), anchorOf(headings))
			section = section[:0]
			level := min(max(b.Level, 1), 6)
			for len(headings) > 0 && headings[len(headings)-1].level >= level {
				headings = headings[:len(headings)-1]
			}
			headings = append(headings, heading{level: level, text: text, anchor: b.Anchor})
			continue
		}
		section = append(section, c.atomize(b, i)...)
	}
	p.packSection(section, headingTexts(headings), anchorOf(headings))
	return p.out
}

type heading struct {
	level  int
	text   string
	anchor string
}

// anchorOf is the anchor of the innermost heading that has one.
func anchorOf(hs []heading) string {
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].anchor != "" {
			return hs[i].anchor
		}
	}
	return ""
}

func headingTexts(hs []heading) []string {
	if len(hs) == 0 {
		return nil
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.text
	}
	return out
}
