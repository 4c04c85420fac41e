package html

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Density heuristic tuning. A text run shorter than minParagraphChars is a label or a link, not
// prose; paragraphs score more for length and commas (prose has commas, menus do not).
const (
	minParagraphChars = 25
	maxLengthBonus    = 3
)

// mainContent picks the subtree of body that holds the page's content: the marked main element
// when the author marked one, else the element with the densest prose.
func mainContent(body *xhtml.Node) *xhtml.Node {
	if n := markedMain(body); n != nil {
		return n
	}
	if n := densestProse(body); n != nil {
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

// densestProse scores containers by the paragraphs they hold, in the spirit of Readability: each
// paragraph adds its score to its parent and half to its grandparent, and a container's total is
// discounted by the share of its text that is link text. Returns nil when nothing looks like
// prose, so the caller keeps the whole body.
func densestProse(body *xhtml.Node) *xhtml.Node {
	scores := map[*xhtml.Node]float64{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && isParagraphLike(n) {
			text := ownProse(n)
			if len(text) >= minParagraphChars {
				s := 1 + float64(strings.Count(text, ",")) + min(float64(len(text))/100, maxLengthBonus)
				if p := n.Parent; p != nil {
					scores[p] += s
					if g := p.Parent; g != nil {
						scores[g] += s / 2
					}
				}
				if n.DataAtom == atom.Div {
					// A div with its own text is both paragraph and container.
					scores[n] += s
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(body)

	if len(scores) == 0 {
		return nil
	}
	stats := textStats(body)
	var best *xhtml.Node
	bestScore := 0.0
	for n, s := range scores {
		st := stats[n]
		if st.all == 0 {
			continue
		}
		s *= 1 - float64(st.linked)/float64(st.all)
		// Ties go to the earlier node so the choice does not depend on map order.
		if s > bestScore || (s == bestScore && best != nil && st.order < stats[best].order) {
			best, bestScore = n, s
		}
	}
	return best
}

func isParagraphLike(n *xhtml.Node) bool {
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Blockquote, atom.Td, atom.Div, atom.Li, atom.Dd:
		return true
	}
	return false
}

// ownProse is the text of n's direct text children and inline descendants: for a <div> holding
// paragraphs it is empty, so only the paragraphs count.
func ownProse(n *xhtml.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == xhtml.TextNode:
			b.WriteString(c.Data)
		case isInline(c):
			b.WriteString(textOf(c, nil))
			b.WriteByte(' ')
		}
	}
	return collapse(b.String())
}

// textStat counts a subtree's text bytes and how many of them sit inside links; order is the
// node's position in document order.
type textStat struct {
	all, linked, order int
}

// textStats computes textStat for every element under root in one walk, so scoring many
// nested candidates stays linear in the document size.
func textStats(root *xhtml.Node) map[*xhtml.Node]textStat {
	stats := map[*xhtml.Node]textStat{}
	order := 0
	var walk func(*xhtml.Node, bool) (int, int)
	walk = func(n *xhtml.Node, inLink bool) (all, linked int) {
		if n.Type == xhtml.TextNode {
			l := len(strings.TrimSpace(n.Data))
			if inLink {
				return l, l
			}
			return l, 0
		}
		order++
		myOrder := order
		if n.Type == xhtml.ElementNode && n.DataAtom == atom.A {
			inLink = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			a, l := walk(c, inLink)
			all += a
			linked += l
		}
		if n.Type == xhtml.ElementNode {
			stats[n] = textStat{all: all, linked: linked, order: myOrder}
		}
		return all, linked
	}
	walk(root, false)
	return stats
}
