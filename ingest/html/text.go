package html

import (
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lorebase/lorebase/ingest"
)

// collapse folds every run of whitespace (including non-breaking spaces) into one space and
// trims the ends: HTML source indentation carries no meaning for the reader. Bytes that are not
// UTF-8 (a page that lies about its charset) become U+FFFD, so stored text is always valid.
func collapse(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// inlineElements flow inside a line of text; every other element starts a new block. Unknown
// and custom elements count as blocks so words in adjacent widgets are never glued together.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Ins: true, atom.Kbd: true, atom.Label: true, atom.Mark: true, atom.Q: true,
	atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strong: true,
	atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true, atom.Tt: true,
	atom.Strike: true, atom.Big: true, atom.Acronym: true, atom.Nobr: true, atom.Wbr: true,
}

func isInline(n *xhtml.Node) bool {
	return n.Type == xhtml.ElementNode && inlineElements[n.DataAtom]
}

// textOf returns the collapsed text of n. Block children are separated by spaces so
// "<td><p>a</p><p>b</p></td>" reads "a b", not "ab". Subtrees for which skip returns true are
// left out (nested lists when reading a list item's own line).
func textOf(n *xhtml.Node, skip func(*xhtml.Node) bool) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch n.Type {
		case xhtml.TextNode:
			b.WriteString(n.Data)
			return
		case xhtml.ElementNode:
			if (skip != nil && skip(n)) || isPermalink(n) {
				return
			}
		case xhtml.DocumentNode:
		default:
			return
		}
		block := n.Type == xhtml.ElementNode && !isInline(n)
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return collapse(b.String())
}

// rawText concatenates text without collapsing, for <pre> where whitespace is the content.
func rawText(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch {
		case n.Type == xhtml.TextNode:
			b.WriteString(n.Data)
		case n.Type == xhtml.ElementNode && n.DataAtom == atom.Br:
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *xhtml.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}

// CountWords counts runs of letters and digits: the unit `lorebase extract --stats` and the
// fidelity tests measure text in.
func CountWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// DocumentWords counts the words of a document's blocks.
func DocumentWords(d *ingest.Document) int {
	n := 0
	for _, b := range d.Blocks {
		n += CountWords(b.Text)
	}
	return n
}

// visibleWords counts the words of n's text outside elements that never show (scripts,
// styles, hidden elements).
func visibleWords(n *xhtml.Node) int {
	count := 0
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch n.Type {
		case xhtml.TextNode:
			count += CountWords(n.Data)
			return
		case xhtml.ElementNode:
			if neverContent[n.DataAtom] || hasAttr(n, "hidden") || hiddenByStyle(attr(n, "style")) {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return count
}
