package chunk

import (
	"strings"

	"github.com/lorebase/lorebase/ingest"
)

// atom is the unit the packer places: a whole block when it fits in MaxTokens, else one row,
// item, line, sentence or token run of it.
type atom struct {
	text   string
	tokens int
	block  int // index of the source block; atoms of one block join with sep, blocks with "\n\n"
	sep    string
	page   int
	kind   ingest.BlockKind
	// header is the header row of a split table, repeated before the first row of the table
	// in every chunk so each chunk's rows stay readable; rowStart marks atoms that begin a row.
	header       string
	headerTokens int
	rowStart     bool
	// cut marks a token run cut out of a sentence too long for one chunk: repeating its tail
	// as overlap would repeat half a word, so the next chunk starts fresh.
	cut bool
}

// atomize turns one non-heading block into atoms no larger than MaxTokens each.
func (c *Chunker) atomize(b ingest.Block, index int) []atom {
	text := normalize(b.Text)
	if text == "" {
		return nil
	}
	base := atom{block: index, page: b.Page, kind: b.Kind}
	if n := c.count(text); n <= c.cfg.MaxTokens {
		a := base
		a.text, a.tokens = text, n
		return []atom{a}
	}
	budget := c.cfg.MaxTokens
	var parts []piece
	switch b.Kind {
	case ingest.BlockTable:
		header, body, _ := strings.Cut(text, "\n")
		if hn := c.count(header); body != "" && hn <= c.cfg.MaxTokens/4 {
			base.header, base.headerTokens = header, hn
			// Room for the header line and the token the joining newline may cost.
			budget -= hn + 2
			return c.rowAtoms(base, lines(body), budget)
		}
		parts = lines(text)
	case ingest.BlockList, ingest.BlockCode:
		parts = lines(text)
	default:
		parts = sentences(text)
	}
	return c.rowAtoms(base, parts, budget)
}

// rowAtoms makes one atom per part, splitting parts still over budget into sentences and then
// token runs. Split pieces stay small (at most TargetTokens) so the packer can still fill chunks.
func (c *Chunker) rowAtoms(base atom, parts []piece, budget int) []atom {
	var out []atom
	for i, p := range parts {
		a := base
		a.rowStart = true
		a.sep = separator(p, i == 0)
		n := c.count(p.text)
		if n <= budget {
			a.text, a.tokens = p.text, n
			out = append(out, a)
			continue
		}
		for _, sub := range c.splitOversized(p.text, min(budget, c.cfg.TargetTokens)) {
			a.text, a.tokens, a.cut = sub.text, sub.tokens, sub.cut
			out = append(out, a)
			a.rowStart = false
			a.sep = separator(sub.piece, false)
		}
	}
	return out
}

type counted struct {
	piece
	tokens int
	cut    bool // a token run, not a whole sentence
}

// splitOversized cuts text at sentence boundaries, and sentences still over budget at token
// boundaries.
func (c *Chunker) splitOversized(text string, budget int) []counted {
	var out []counted
	for i, s := range sentences(text) {
		if i == 0 {
			s.spaced, s.newline = false, false
		}
		if n := c.count(s.text); n <= budget {
			out = append(out, counted{piece: s, tokens: n})
			continue
		}
		for j, t := range c.splitTokens(s.text, budget) {
			if j == 0 {
				t.spaced, t.newline = s.spaced, s.newline
			}
			out = append(out, counted{t, c.count(t.text), true})
		}
	}
	return out
}

// separator is how a piece rejoins its predecessor inside one block: a line break for rows,
// items and lines, a space between Latin sentences, nothing between CJK sentences or token runs
// cut inside a word.
func separator(p piece, first bool) string {
	switch {
	case first:
		return ""
	case p.newline:
		return "\n"
	case p.spaced:
		return " "
	}
	return ""
}

// lines splits normalised text into line pieces, dropping blank lines.
func lines(text string) []piece {
	var out []piece
	for line := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, piece{text: line, spaced: true, newline: true})
	}
	return out
}
