package html

import (
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lorebase/lorebase/ingest"
)

// Block classification tuning, in the spirit of jusText: a block with at least goodChars of
// text outside links is prose; a block whose text is mostly link text is navigation unless it
// opens a section; a list or table whose items are nearly all links is a menu or a table of
// contents.
const (
	goodChars         = 80
	navLinkShare      = 0.5
	tocMinItems       = 5
	tocLinkItemsShare = 0.7
	edgeLinkShare     = 0.25
	navTableMaxRows   = 3
	footerChars       = 60
	edgeShortChars    = 30
)

// mainContent returns the subtree that holds the page's content: the element the author marked
// as main (<main>, role="main", a single <article>), else the whole body. Documentation pages
// put their content in many sibling sections, so no single "densest" block is chosen; the
// furniture around the content goes block by block in pruneBlocks instead.
func mainContent(body *xhtml.Node) *xhtml.Node {
	if n := markedMain(body); n != nil {
		return n
	}
	return body
}

// markedMain returns the first <main> or [role=main]; else the <article> when there is exactly
// one (several articles are a listing page, whose content is all of them).
func markedMain(body *xhtml.Node) *xhtml.Node {
	var main, article *xhtml.Node
	articles := 0
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if main != nil {
			return
		}
		if n.Type == xhtml.ElementNode {
			switch {
			case n.DataAtom == atom.Main || isMainRole(n):
				main = n
				return
			case n.DataAtom == atom.Article:
				articles++
				if article == nil {
					article = n
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(body)
	if main != nil {
		return main
	}
	if articles == 1 {
		return article
	}
	return nil
}

// pruneBlocks drops the furniture that markup does not label: link menus and tables of
// contents anywhere, link-dense lines between sections ("Next: … Up: …"), and the short or
// linked blocks at either end of the page that come before the first heading or prose and after
// the last (a site's title bar, "previous/next" tables, "last modified" lines). Everything
// else stays, however short: a documentation page's content is all of its sections.
func pruneBlocks(blocks []ingest.Block, info []blockInfo, marked bool) []ingest.Block {
	drop := make([]bool, len(blocks))
	good := func(i int) bool {
		b, in := blocks[i], info[i]
		switch b.Kind {
		case ingest.BlockHeading, ingest.BlockCode:
			return true
		}
		return in.chars-in.linked >= goodChars && float64(in.linked) < navLinkShare*float64(in.chars)
	}
	for i, b := range blocks {
		in := info[i]
		switch {
		case b.Kind == ingest.BlockHeading || b.Kind == ingest.BlockCode:
		case (b.Kind == ingest.BlockList || b.Kind == ingest.BlockTable) && in.items >= tocMinItems &&
			float64(in.linkItems) >= tocLinkItemsShare*float64(in.items):
			drop[i] = true
		case b.Kind == ingest.BlockList && in.items >= 2 && in.fragmentItems == in.items:
			// Every item links into this page: the page's own table of contents.
			drop[i] = true
		case b.Kind == ingest.BlockTable && !in.afterHeading && in.linkRows > 0 && in.items <= navTableMaxRows &&
			in.chars-in.linked < 2*goodChars:
			// A small table of mostly single-link cells: a previous/up/next bar.
			drop[i] = true
		case b.Kind == ingest.BlockParagraph && !in.afterHeading && in.links >= 2 && in.chars-in.linked < goodChars &&
			float64(in.linked) >= navLinkShare*float64(in.chars):
			drop[i] = true
		}
	}
	// Leading edge: linked or tiny blocks before the first heading or text block.
	for i := range blocks {
		in := info[i]
		if good(i) || in.chars-in.linked >= goodChars ||
			(in.chars >= edgeShortChars && float64(in.linked) < edgeLinkShare*float64(in.chars)) {
			break
		}
		drop[i] = true
	}
	// Trailing edge: short linked blocks after the last prose, unless they open a section.
	for i := len(blocks) - 1; i >= 0; i-- {
		if drop[i] {
			continue
		}
		if good(i) && blocks[i].Kind != ingest.BlockHeading {
			break
		}
		in := info[i]
		if blocks[i].Kind == ingest.BlockHeading {
			continue
		}
		if in.afterHeading || in.chars-in.linked >= goodChars || float64(in.linked) < edgeLinkShare*float64(in.chars) {
			break
		}
		drop[i] = true
	}
	// A lone short line after the content, in another top-level region of an unmarked page,
	// is the page's footer ("© 2024 The Frob Authors"); a region the author marked as main has
	// no footer inside.
	last := len(blocks) - 1
	for last >= 0 && drop[last] {
		last--
	}
	prev := last - 1
	for prev >= 0 && drop[prev] {
		prev--
	}
	if !marked && prev >= 0 && blocks[last].Kind == ingest.BlockParagraph && !info[last].afterHeading &&
		info[last].chars < footerChars && info[last].top != info[prev].top {
		drop[last] = true
	}
	out := make([]ingest.Block, 0, len(blocks))
	for i, b := range blocks {
		if !drop[i] {
			out = append(out, b)
		}
	}
	return out
}
