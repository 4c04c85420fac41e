package html

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lorebase/lorebase/ingest"
)

var headingLevel = map[atom.Atom]int{
	atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6,
}

// blockBuilder turns a content subtree into ingest blocks in document order. Inline content
// accumulates until a block boundary flushes it as one paragraph, which also catches text that
// sits loose in a <div> without any <p>.
type blockBuilder struct {
	blocks []ingest.Block
	inline strings.Builder
}

func buildBlocks(root *xhtml.Node) []ingest.Block {
	b := &blockBuilder{}
	b.walk(root)
	b.flush()
	return b.blocks
}

func (b *blockBuilder) emit(kind ingest.BlockKind, text string, level int) {
	if text == "" {
		return
	}
	b.blocks = append(b.blocks, ingest.Block{Kind: kind, Text: text, Level: level})
}

func (b *blockBuilder) flush() {
	text := collapse(b.inline.String())
	b.inline.Reset()
	b.emit(ingest.BlockParagraph, text, 0)
}

func (b *blockBuilder) walk(n *xhtml.Node) {
	switch n.Type {
	case xhtml.TextNode:
		b.inline.WriteString(n.Data)
		return
	case xhtml.ElementNode:
	case xhtml.DocumentNode:
		b.children(n)
		return
	default:
		return
	}

	if level, ok := headingLevel[n.DataAtom]; ok {
		b.flush()
		b.emit(ingest.BlockHeading, textOf(n, nil), level)
		return
	}
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Dl:
		b.flush()
		var lines []string
		listLines(n, 0, &lines)
		b.emit(ingest.BlockList, strings.Join(lines, "\n"), 0)
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
		b.emit(ingest.BlockCode, codeText(n), 0)
	case atom.Br:
		b.inline.WriteByte(' ')
	case atom.Img:
		// Alt text is a caption for people who cannot see the image, rarely knowledge; skipped.
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

func isList(n *xhtml.Node) bool {
	return n.Type == xhtml.ElementNode && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol || n.DataAtom == atom.Dl)
}

// listLines appends one line per item; nested list items follow their parent item, indented two
// spaces per level so the hierarchy survives the flattening.
func listLines(list *xhtml.Node, depth int, lines *[]string) {
	for c := list.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Li, atom.Dt, atom.Dd:
			if t := textOf(c, isList); t != "" {
				*lines = append(*lines, strings.Repeat("  ", depth)+t)
			}
			for _, nested := range nestedLists(c) {
				listLines(nested, depth+1, lines)
			}
		default:
			// Invalid but common: items wrapped in a <div> directly inside the list.
			listLines(c, depth, lines)
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
func (b *blockBuilder) table(t *xhtml.Node) {
	var rows []string
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != xhtml.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Caption:
				b.emit(ingest.BlockParagraph, textOf(c, nil), 0)
			case atom.Tr:
				var texts []string
				empty := true
				for _, cell := range cells(c) {
					t := textOf(cell, nil)
					if t != "" {
						empty = false
					}
					texts = append(texts, t)
				}
				if !empty {
					rows = append(rows, strings.Join(texts, " | "))
				}
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c)
			}
		}
	}
	walk(t)
	b.emit(ingest.BlockTable, strings.Join(rows, "\n"), 0)
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
