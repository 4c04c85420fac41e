package html

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// baseURL is the URL relative references resolve against: <base href> (itself resolved against
// the page URL) when present and usable, else the page URL.
func baseURL(doc *goquery.Document, pageURL *url.URL) *url.URL {
	href, ok := doc.Find("base[href]").First().Attr("href")
	if !ok {
		return pageURL
	}
	b, err := url.Parse(cleanHref(href))
	if err != nil {
		return pageURL
	}
	if pageURL != nil {
		b = pageURL.ResolveReference(b)
	}
	if !isWebURL(b) {
		return pageURL
	}
	return b
}

// links returns the page's followable links in document order, deduplicated.
func links(doc *goquery.Document, base *url.URL) []*url.URL {
	var out []*url.URL
	seen := map[string]bool{}
	doc.Find("a[href], area[href]").Each(func(_ int, s *goquery.Selection) {
		if hasToken(s.AttrOr("rel", ""), "nofollow") {
			return
		}
		u := resolve(base, s.AttrOr("href", ""))
		if u == nil || seen[u.String()] {
			return
		}
		seen[u.String()] = true
		out = append(out, u)
	})
	return out
}

// canonical returns link[rel=canonical] when it stays on the page's host. A canonical pointing
// to another host is ignored: it is either a mistake or a way for one site to claim another's
// URLs in our index.
func canonical(doc *goquery.Document, base, pageURL *url.URL) *url.URL {
	var found *url.URL
	doc.Find("link[rel][href]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !hasToken(s.AttrOr("rel", ""), "canonical") {
			return true
		}
		found = resolve(base, s.AttrOr("href", ""))
		return false
	})
	if found == nil {
		return nil
	}
	if pageURL != nil && !strings.EqualFold(found.Hostname(), pageURL.Hostname()) {
		return nil
	}
	return found
}

// resolve turns an href into an absolute http(s) URL without fragment, or nil when it cannot
// be fetched (mailto:, javascript:, malformed, relative without a base).
func resolve(base *url.URL, href string) *url.URL {
	href = cleanHref(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return nil
	}
	u, err := url.Parse(href)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !isWebURL(u) {
		return nil
	}
	return withoutFragment(u)
}

// cleanHref applies the HTML URL parser's pre-processing: surrounding whitespace is stripped and
// tabs and newlines inside are removed, so hrefs wrapped across lines still work.
func cleanHref(href string) string {
	href = strings.TrimSpace(href)
	return strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(href)
}

func isWebURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func withoutFragment(u *url.URL) *url.URL {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return &c
}

// hasToken reports whether a space-separated attribute (rel, meta content) holds token,
// case-insensitively.
func hasToken(list, token string) bool {
	for _, t := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}
