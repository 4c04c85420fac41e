package html

import (
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// neverContent are elements whose text is never prose: code, styling, embedded documents.
var neverContent = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Canvas: true, atom.Select: true,
	atom.Button: true, atom.Dialog: true, atom.Head: true,
}

// chromeElements are page furniture by HTML semantics.
var chromeElements = map[atom.Atom]bool{
	atom.Nav: true, atom.Footer: true, atom.Header: true, atom.Aside: true, atom.Form: true,
	atom.Menu: true,
}

// chromeRoles are ARIA landmark and widget roles that mark furniture.
var chromeRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true,
	"menu": true, "menubar": true, "search": true, "dialog": true, "alertdialog": true,
	"toolbar": true,
}

// chromeWords are class/id words that clearly mark furniture. Words, not substrings: "nav"
// matches "site-nav" and "nav_main" but not "canvas"; "menu" matches "main-menu" but not
// "menuitem-description".
var chromeWords = map[string]bool{
	"nav": true, "navbar": true, "navigation": true, "navlinks": true, "menu": true,
	"menubar": true, "breadcrumb": true, "breadcrumbs": true, "sidebar": true, "cookie": true,
	"cookies": true, "consent": true, "gdpr": true, "footer": true, "masthead": true,
	"pagination": true, "pager": true, "toolbar": true, "skiplink": true, "share": true,
	"social": true,
}

// removeBoilerplate deletes furniture from the tree in place.
func removeBoilerplate(root *xhtml.Node) {
	wrappers := mainContentWrappers(root)
	var doomed []*xhtml.Node
	var walk func(n *xhtml.Node, inContent bool)
	walk = func(n *xhtml.Node, inContent bool) {
		if n.Type == xhtml.CommentNode {
			doomed = append(doomed, n)
			return
		}
		if n.Type == xhtml.ElementNode {
			if !wrappers[n] && isBoilerplate(n, inContent) {
				doomed = append(doomed, n)
				return
			}
			if n.DataAtom == atom.Article || n.DataAtom == atom.Main || isMainRole(n) {
				inContent = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inContent)
		}
	}
	walk(root, false)
	for _, n := range doomed {
		n.Parent.RemoveChild(n)
	}
}

// isBoilerplate decides one element that does not wrap the main content. inContent says an
// <article> or <main> encloses it.
func isBoilerplate(n *xhtml.Node, inContent bool) bool {
	if neverContent[n.DataAtom] {
		return true
	}
	if n.DataAtom == atom.Html || n.DataAtom == atom.Body || n.DataAtom == atom.Main {
		return false
	}
	if n.DataAtom == atom.Header && (inContent || containsAtom(n, atom.H1)) {
		// An article's own header holds its title.
		return false
	}
	if chromeElements[n.DataAtom] {
		return true
	}
	if chromeRoles[strings.ToLower(strings.TrimSpace(attr(n, "role")))] {
		return true
	}
	if hasAttr(n, "hidden") || strings.EqualFold(attr(n, "aria-hidden"), "true") || hiddenByStyle(attr(n, "style")) {
		return true
	}
	// Generators derive section ids from titles ("Pagination", "file-menu"): an id word marks
	// furniture only on an element without a title of its own, a class word unless the title
	// says the word (a section about menus is not a menu).
	if w := chromeWord(attr(n, "class")); w != "" {
		return !strings.Contains(strings.ToLower(firstHeadingText(n)), w)
	}
	return chromeWord(attr(n, "id")) != "" && firstHeadingText(n) == ""
}

func chromeWord(s string) string {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		if chromeWords[w] {
			return w
		}
	}
	return ""
}

// titleChars is how much text may come before an element's first heading for that heading
// to still be the element's title (a "Previous: … Up: …" line often does).
const titleChars = 200

// firstHeadingText is the text of n's title: its first heading, when less than titleChars of
// other text come before it.
func firstHeadingText(n *xhtml.Node) string {
	var found string
	before := 0
	done := false
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		for c := n.FirstChild; c != nil && !done; c = c.NextSibling {
			switch {
			case c.Type == xhtml.TextNode:
				if before += len(strings.TrimSpace(c.Data)); before > titleChars {
					done = true
				}
			case c.Type == xhtml.ElementNode && headingLevel[c.DataAtom] > 0:
				found, done = textOf(c, nil), true
			case c.Type == xhtml.ElementNode:
				walk(c)
			}
		}
	}
	walk(n)
	return found
}

func hiddenByStyle(style string) bool {
	s := strings.ReplaceAll(strings.ToLower(style), " ", "")
	return strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden")
}

func isMainRole(n *xhtml.Node) bool {
	return strings.EqualFold(strings.TrimSpace(attr(n, "role")), "main")
}

// mainContentWrappers returns the ancestors of every element marked as main content (<main>,
// <article>, role="main"). Whatever the markup claims, such a wrapper stays: ASP.NET wraps whole
// pages in <form>, themes put class="has-sidebar" on the page wrapper. Computed once, bottom-up,
// so deep documents cost O(markers × depth), not O(n²).
func mainContentWrappers(root *xhtml.Node) map[*xhtml.Node]bool {
	wrappers := map[*xhtml.Node]bool{}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && (n.DataAtom == atom.Main || n.DataAtom == atom.Article || isMainRole(n)) {
			for p := n.Parent; p != nil && !wrappers[p]; p = p.Parent {
				wrappers[p] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return wrappers
}

func containsAtom(n *xhtml.Node, a atom.Atom) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.ElementNode && (c.DataAtom == a || containsAtom(c, a)) {
			return true
		}
	}
	return false
}
