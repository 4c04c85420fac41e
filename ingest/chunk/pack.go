package chunk

import (
	"strings"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
)

// packer fills chunks from one section's atoms at a time and numbers them across the document.
type packer struct {
	c   *Chunker
	url string
	out []lorebase.Chunk

	anchor  string // the running section's anchor
	cur     []atom
	est     int // running token estimate of cur, never below the exact count in practice
	overlap carry
}

// carry is the tail of the previous chunk repeated at the start of the next one.
type carry struct {
	text   string
	tokens int
	page   int
	block  int
}

// packSection packs atoms greedily up to TargetTokens. Atoms were sized to fit MaxTokens
// alone, so every chunk holds at least one; estimates are checked against an exact count
// before a chunk is emitted.
func (p *packer) packSection(atoms []atom, path []string, anchor string) {
	p.overlap = carry{}
	p.anchor = anchor
	for i := 0; i < len(atoms); {
		a := atoms[i]
		if len(p.cur) == 0 {
			if p.overlap.text != "" && p.overlap.tokens+1+p.cost(a) > p.c.cfg.MaxTokens {
				p.overlap = carry{}
			}
			p.est = p.overlap.tokens + 1 + p.cost(a)
			p.cur = append(p.cur, a)
			i++
			continue
		}
		if p.est+p.cost(a) > p.c.cfg.TargetTokens {
			i -= p.emit(path)
			continue
		}
		p.est += p.cost(a)
		p.cur = append(p.cur, a)
		i++
	}
	if len(p.cur) > 0 {
		p.emit(path)
	}
}

// cost estimates the tokens a adds to the current chunk: its own, one for the separator, and
// the repeated table header when a starts its table's rows in this chunk.
func (p *packer) cost(a atom) int {
	n := a.tokens + 1
	if a.header != "" && a.rowStart && (len(p.cur) == 0 || p.cur[len(p.cur)-1].block != a.block) {
		n += a.headerTokens + 1
	}
	return n
}

// emit renders and appends the current chunk, handing trailing atoms back (it returns how
// many) in the rare case BPE merges made the exact count exceed MaxTokens.
func (p *packer) emit(path []string) int {
	back := 0
	text := p.render()
	n := p.c.count(text)
	// A lone atom is at most MaxTokens by construction, so this ends with at least one atom.
	for n > p.c.cfg.MaxTokens && (len(p.cur) > 1 || p.overlap.text != "") {
		if len(p.cur) > 1 {
			p.cur = p.cur[:len(p.cur)-1]
			back++
		} else {
			p.overlap = carry{}
		}
		text = p.render()
		n = p.c.count(text)
	}
	page := p.cur[0].page
	if p.overlap.text != "" {
		page = p.overlap.page
	}
	p.out = append(p.out, lorebase.Chunk{
		Content:     text,
		HeadingPath: append([]string(nil), path...),
		Anchor:      p.anchor,
		Page:        page,
		URL:         p.url,
		Position:    len(p.out),
		TokenCount:  n,
	})
	p.overlap = p.tail(n)
	p.cur = p.cur[:0]
	p.est = 0
	return back
}

// render joins the overlap and the atoms: blocks with a blank line, parts of one block with
// their own separator, a split table's header before its first row in the chunk.
func (p *packer) render() string {
	var b strings.Builder
	prevBlock := -1
	if p.overlap.text != "" {
		b.WriteString(p.overlap.text)
		prevBlock = p.overlap.block
	}
	for _, a := range p.cur {
		if b.Len() > 0 {
			if a.block == prevBlock {
				b.WriteString(a.sep)
			} else {
				b.WriteString("\n\n")
			}
		}
		if a.header != "" && a.rowStart && a.block != prevBlock {
			b.WriteString(a.header)
			b.WriteString("\n")
		}
		b.WriteString(a.text)
		prevBlock = a.block
	}
	return b.String()
}

// tail picks the overlap for the next chunk: whole sentences from the end of the last atom,
// at most OverlapTokens and at most half the chunk so a short chunk is not repeated whole.
// Only prose overlaps; a repeated table row or code line helps no query.
func (p *packer) tail(chunkTokens int) carry {
	last := p.cur[len(p.cur)-1]
	limit := min(p.c.cfg.OverlapTokens, chunkTokens/2)
	if limit <= 0 || last.cut || (last.kind != ingest.BlockParagraph && last.kind != ingest.BlockList && last.kind != "") {
		return carry{}
	}
	ss := sentences(last.text)
	if last.kind == ingest.BlockList {
		ss = lines(last.text)
	}
	total, from := 0, len(ss)
	for k := len(ss) - 1; k >= 0; k-- {
		n := p.c.count(ss[k].text) + 1
		if total+n > limit {
			break
		}
		total, from = total+n, k
	}
	if from == len(ss) && len(ss) > 1 {
		// One long closing sentence: "~OverlapTokens" allows it up to half again the limit,
		// otherwise long-sentence prose (and CJK, dense in tokens) would never overlap.
		if n := p.c.count(ss[len(ss)-1].text) + 1; n <= limit*3/2 {
			total, from = n, len(ss)-1
		}
	}
	if from == len(ss) {
		return carry{}
	}
	var b strings.Builder
	for k := from; k < len(ss); k++ {
		if k > from {
			b.WriteString(separator(ss[k], false))
		}
		b.WriteString(ss[k].text)
	}
	return carry{text: b.String(), tokens: total, page: last.page, block: last.block}
}
