package html

import (
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lorebase/lorebase/ingest"
)

var headingLevel = map[atom.Atom]int{
	atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6,
}

// blockInfo is what the boilerplate classifier needs to know about one block besides its text.
type blockInfo struct {
	chars, linked int // text bytes, and how many of them are link text
	links         int // number of links
	// items and linkItems count a list's or table's items (rows) and those that are all link:
	// a list of nothing but links is a table of contents or a menu.
	items, linkItems int
	// fragmentItems count items that are one link to a place on the same page ("#usage"):
	// a list of those is the page's own table of contents, however short.
	fragmentItems int
	// cells and linkCells count a table's non-empty cells and those that are one link.
	cells, linkCells int
	linkRows         int // rows where two or more cells, and at least half, are one link each
	// top is the index of the root's child the block comes from: a short line in another
	// top-level region than the content before it is a page footer.
	top int
	// afterHeading marks the first block of a section: a short "See also: X, Y" there is the
	// section's content, not navigation.
	afterHeading bool
}

// blockBuilder turns a content subtree into ingest blocks in document order. Inline content
// accumulates until a block boundary flushes it as one paragraph, which also catches text that
// sits loose in a <div> without any <p>.
type blockBuilder struct {
	blocks []ingest.Block
	info   []blockInfo

	inline       strings.Builder
	inlineLinked int // bytes of inline that sit inside links
	inlineLinks  int
	inLink       int

	// fresh holds ids of elements entered since the last emitted block: the id of a <section>,
	// of an empty <span id> or <a name> right before a heading names that heading's section.
	fresh []string
	// term is a definition-list term waiting for the first paragraph of its description, so
	// the two always land in one block (and so one chunk).
	term string
	top  int // index of the root's child being walked
}

func buildBlocks(root *xhtml.Node) ([]ingest.Block, []blockInfo) {
	b := &blockBuilder{}
	// The root's own id (<main id="content">) names the whole page, not a section.
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		b.walk(c)
		b.top++
	}
	b.flush()
	if b.term != "" {
		b.emitTerm()
	}
	return b.blocks, b.info
}

func (b *blockBuilder) emit(kind ingest.BlockKind, text string, level int, info blockInfo) {
	if text == "" {
		return
	}
	if b.term != "" {
		if kind == ingest.BlockParagraph {
			text = b.term + ": " + text
			info.chars += len(b.term) + 2
			b.term = ""
		} else {
			b.emitTerm()
		}
	}
	info.afterHeading = len(b.blocks) > 0 && b.blocks[len(b.blocks)-1].Kind == ingest.BlockHeading
	info.top = b.top
	if info.chars == 0 {
		info.chars = len(text)
	}
	b.blocks = append(b.blocks, ingest.Block{Kind: kind, Text: text, Level: level})
	b.info = append(b.info, info)
	b.fresh = b.fresh[:0]
}

func (b *blockBuilder) emitTerm() {
	t := b.term
	b.term = ""
	b.emit(ingest.BlockParagraph, t, 0, blockInfo{})
}

func (b *blockBuilder) flush() {
	raw := b.inline.String()
	text := collapse(raw)
	linked := min(b.inlineLinked, len(text))
	links := b.inlineLinks
	b.inline.Reset()
	b.inlineLinked, b.inlineLinks = 0, 0
	b.emit(ingest.BlockParagraph, text, 0, blockInfo{chars: len(text), linked: linked, links: links})
}

func (b *blockBuilder) walk(n *xhtml.Node) {
	switch n.Type {
	case xhtml.TextNode:
		b.inline.WriteString(n.Data)
		if b.inLink > 0 {
			b.inlineLinked += len(strings.TrimSpace(n.Data))
		}
		return
	case xhtml.ElementNode:
	case xhtml.DocumentNode:
		b.children(n)
		return
	default:
		return
	}
	if id := elementID(n); id != "" && !isInline(n) {
		// A block element's id names what it encloses: it counts for a heading inside it,
		// not for one after it has closed (an empty <div id="searchmenu"> left by a removed
		// form). Inline anchors (<span id>, <a name>) right before a heading do name it.
		b.fresh = append(b.fresh, id)
		mark := len(b.fresh)
		defer func() {
			if len(b.fresh) >= mark {
				b.fresh = b.fresh[:mark-1]
			}
		}()
	} else if id != "" {
		b.fresh = append(b.fresh, id)
	}

	if level, ok := headingLevel[n.DataAtom]; ok {
		b.flush()
		anchor := elementID(n)
		if anchor == "" {
			anchor = innerID(n)
		}
		if anchor == "" && len(b.fresh) > 0 {
			anchor = b.fresh[len(b.fresh)-1]
		}
		if b.term != "" {
			b.emitTerm()
		}
		text := textOf(n, isPermalink)
		b.emit(ingest.BlockHeading, text, level, blockInfo{})
		if text != "" {
			b.blocks[len(b.blocks)-1].Anchor = anchor
		}
		return
	}
	switch n.DataAtom {
	case atom.Ul, atom.Ol:
		b.flush()
		var lines []string
		info := blockInfo{}
		listLines(n, 0, &lines, &info)
		b.emit(ingest.BlockList, strings.Join(lines, "\n"), 0, info)
	case atom.Dl:
		b.flush()
		if isOutline(n) {
			var lines []string
			info := blockInfo{}
			listLines(n, 0, &lines, &info)
			b.emit(ingest.BlockList, strings.Join(lines, "\n"), 0, info)
			return
		}
		b.definitionList(n)
	case atom.Table:
		b.flush()
		if isLayoutTable(n) {
			b.children(n)
			b.flush()
			return
		}
		b.table(n)
	case atom.Pre:
		b.flush()
		b.emit(ingest.BlockCode, codeText(n), 0, blockInfo{})
	case atom.Br:
		b.inline.WriteByte(' ')
	case atom.Img:
		// Alt text is a caption for people who cannot see the image, rarely knowledge; skipped.
	case atom.A:
		if isPermalink(n) {
			return
		}
		if hasAttr(n, "href") {
			if b.inLink == 0 {
				b.inlineLinks++
			}
			b.inLink++
			b.children(n)
			b.inLink--
			return
		}
		b.children(n)
	default:
		if isInline(n) {
			b.children(n)
			return
		}
		b.flush()
		b.children(n)
		b.flush()
	}
}

func (b *blockBuilder) children(n *xhtml.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.walk(c)
	}
}

// definitionList keeps each term with its description. A description made of phrasing text
// becomes one "term: description" line of a list block; a description with its own structure
// (paragraphs, code, nested lists: an API reference entry) is walked as blocks, and the term
// is joined to its first paragraph.
func (b *blockBuilder) definitionList(dl *xhtml.Node) {
	var lines []string
	info := blockInfo{}
	var terms []string
	flushLines := func() {
		if len(lines) > 0 {
			b.emit(ingest.BlockList, strings.Join(lines, "\n"), 0, info)
		}
		lines, info = nil, blockInfo{}
	}
	var items func(n *xhtml.Node)
	items = func(n *xhtml.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != xhtml.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Dt:
				if id := elementID(c); id != "" {
					b.fresh = append(b.fresh, id)
				}
				if t := textOf(c, nil); t != "" {
					terms = append(terms, t)
				}
			case atom.Dd:
				term := strings.Join(terms, ", ")
				terms = nil
				if isPhrasing(c) {
					line := textOf(c, nil)
					if term != "" {
						line = strings.TrimSuffix(term+": "+line, ": ")
					}
					if line != "" {
						all, linked, links := linkChars(c)
						info.chars += all + len(term)
						info.linked += linked
						info.links += links
						info.items++
						lines = append(lines, line)
					}
					continue
				}
				flushLines()
				b.term = term
				b.children(c)
				b.flush()
				if b.term != "" {
					b.emitTerm()
				}
			default:
				// Invalid but common: groups wrapped in a <div> directly inside the list.
				items(c)
			}
		}
	}
	items(dl)
	if len(terms) > 0 {
		lines = append(lines, strings.Join(terms, ", "))
		info.items++
	}
	flushLines()
}

// isOutline reports a definition list used as an outline (a table of contents): terms whose
// descriptions hold nothing but nested lists.
func isOutline(dl *xhtml.Node) bool {
	dds := 0
	for c := dl.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.TextNode && strings.TrimSpace(c.Data) != "" {
			return false
		}
		if c.Type != xhtml.ElementNode || c.DataAtom != atom.Dd {
			continue
		}
		dds++
		for g := c.FirstChild; g != nil; g = g.NextSibling {
			if (g.Type == xhtml.TextNode && strings.TrimSpace(g.Data) != "") || (g.Type == xhtml.ElementNode && !isList(g)) {
				return false
			}
		}
	}
	return true
}

// isPhrasing reports whether n holds only inline content and at most one paragraph, so its
// text reads as one line.
func isPhrasing(n *xhtml.Node) bool {
	paragraphs := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode || isInline(c) || c.DataAtom == atom.Br {
			continue
		}
		if c.DataAtom == atom.P && paragraphs == 0 && isPhrasing(c) {
			paragraphs++
			continue
		}
		return false
	}
	return true
}

func isList(n *xhtml.Node) bool {
	return n.Type == xhtml.ElementNode && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol || n.DataAtom == atom.Dl)
}

// listLines appends one line per item; nested list items follow their parent item, indented two
// spaces per level so the hierarchy survives the flattening.
func listLines(list *xhtml.Node, depth int, lines *[]string, info *blockInfo) {
	for c := list.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Li, atom.Dt, atom.Dd:
			if t := textOf(c, isList); t != "" {
				*lines = append(*lines, strings.Repeat("  ", depth)+t)
				all, linked, links := linkCharsSkip(c, isList)
				info.chars += all
				info.linked += linked
				info.links += links
				info.items++
				if links == 1 && linked*10 >= all*8 {
					info.linkItems++
					if strings.HasPrefix(firstHref(c), "#") {
						info.fragmentItems++
					}
				}
			}
			for _, nested := range nestedLists(c) {
				listLines(nested, depth+1, lines, info)
			}
		default:
			// Invalid but common: items wrapped in a <div> directly inside the list.
			listLines(c, depth, lines, info)
		}
	}
}

// nestedLists returns the lists under n that are not inside another list under n.
func nestedLists(n *xhtml.Node) []*xhtml.Node {
	var out []*xhtml.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode {
			continue
		}
		if isList(c) {
			out = append(out, c)
			continue
		}
		out = append(out, nestedLists(c)...)
	}
	return out
}

// isLayoutTable tells tables used for page layout (old sites, e-mails) from data tables: a
// layout table nests tables or headings, declares itself presentational, or has one column.
func isLayoutTable(t *xhtml.Node) bool {
	switch strings.ToLower(attr(t, "role")) {
	case "presentation", "none":
		return true
	}
	layout, sawRow := false, false
	oneColumn := true
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		for c := n.FirstChild; c != nil && !layout; c = c.NextSibling {
			if c.Type != xhtml.ElementNode {
				continue
			}
			if c.DataAtom == atom.Table || headingLevel[c.DataAtom] > 0 {
				layout = true
				return
			}
			if c.DataAtom == atom.Tr {
				sawRow = true
				if len(cells(c)) > 1 {
					oneColumn = false
				}
			}
			walk(c)
		}
	}
	walk(t)
	return layout || (sawRow && oneColumn)
}

// table emits a caption paragraph (if any) and one table block: rows by "\n", cells by " | ".
// The first row is the header the chunker repeats when it splits the table.
func (b *blockBuilder) table(t *xhtml.Node) {
	var rows []string
	info := blockInfo{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != xhtml.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Caption:
				b.emit(ingest.BlockParagraph, textOf(c, nil), 0, blockInfo{})
			case atom.Tr:
				var texts []string
				empty := true
				rowCells, rowLinks := 0, 0
				for _, cell := range cells(c) {
					t := cellText(cell)
					if t != "" {
						empty = false
						info.cells++
						rowCells++
						if all, linked, links := linkChars(cell); links == 1 && linked*10 >= all*8 {
							info.linkCells++
							rowLinks++
						}
					}
					texts = append(texts, t)
				}
				if rowLinks >= 2 && rowLinks*2 >= rowCells {
					info.linkRows++
				}
				if !empty {
					rows = append(rows, strings.Join(texts, " | "))
					all, linked, links := linkChars(c)
					info.chars += all
					info.linked += linked
					info.links += links
					info.items++
					if links > 0 && linked*10 >= all*8 {
						info.linkItems++
					}
				}
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c)
			}
		}
	}
	walk(t)
	b.emit(ingest.BlockTable, strings.Join(rows, "\n"), 0, info)
}

// cellText is a cell's text on one line; a cell holding a <pre> keeps its code lines joined by
// " ⏎ "-free spaces, since a row is one line.
func cellText(cell *xhtml.Node) string {
	return textOf(cell, nil)
}

func cells(tr *xhtml.Node) []*xhtml.Node {
	var out []*xhtml.Node
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			out = append(out, c)
		}
	}
	return out
}

// codeText keeps a <pre>'s whitespace (indentation is meaning in code) but drops blank lines
// at either end and trailing spaces on each line.
func codeText(n *xhtml.Node) string {
	lines := strings.Split(strings.ReplaceAll(rawText(n), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u00a0")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// firstHref is the href of the first link under n.
func firstHref(n *xhtml.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode {
			continue
		}
		if c.DataAtom == atom.A && hasAttr(c, "href") {
			return strings.TrimSpace(attr(c, "href"))
		}
		if h := firstHref(c); h != "" {
			return h
		}
	}
	return ""
}

// isPermalink matches the "¶" or "#" link many generators put in a heading to link to itself.
func isPermalink(n *xhtml.Node) bool {
	if n.DataAtom != atom.A || !strings.HasPrefix(attr(n, "href"), "#") {
		return false
	}
	return !strings.ContainsFunc(rawText(n), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
}

// elementID is the id (or, on <a>, the legacy name) that a URL fragment can point at.
func elementID(n *xhtml.Node) string {
	if id := strings.TrimSpace(attr(n, "id")); id != "" {
		return id
	}
	if n.DataAtom == atom.A {
		return strings.TrimSpace(attr(n, "name"))
	}
	return ""
}

// innerID finds an anchor inside a heading (<h2><a id="x"></a>Title</h2>).
func innerID(n *xhtml.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode {
			continue
		}
		if id := elementID(c); id != "" {
			return id
		}
		if id := innerID(c); id != "" {
			return id
		}
	}
	return ""
}

// linkChars counts n's text bytes (spaces trimmed per text node) and those inside links.
func linkChars(n *xhtml.Node) (all, linked, links int) { return linkCharsSkip(n, nil) }

func linkCharsSkip(n *xhtml.Node, skip func(*xhtml.Node) bool) (all, linked, links int) {
	var walk func(*xhtml.Node, bool)
	walk = func(n *xhtml.Node, in bool) {
		if n.Type == xhtml.TextNode {
			l := len(strings.TrimSpace(n.Data))
			all += l
			if in {
				linked += l
			}
			return
		}
		if n.Type == xhtml.ElementNode {
			if skip != nil && skip(n) {
				return
			}
			if n.DataAtom == atom.A && hasAttr(n, "href") && !in {
				in = true
				links++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, false)
	}
	return all, linked, links
}
