package html

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"

	"github.com/lorebase/lorebase/ingest"
)

// sniffLen is how many bytes http.DetectContentType looks at.
const sniffLen = 512

// Extract parses one HTML page and returns its main content, links and robots directives.
//
// contentType is the response's Content-Type header value; its charset parameter (or, failing
// that, a <meta charset> or the bytes themselves) decides how the body is decoded, since goquery
// only reads UTF-8. A non-HTML content type is refused with ErrNotHTML; an empty one is sniffed.
// pageURL is the URL the page was finally served from (after redirects); relative links resolve
// against it and <base href>. It may be nil, in which case only absolute links are kept.
//
// Extract reads r to the end; callers bound its size.
func Extract(r io.Reader, contentType string, pageURL *url.URL) (*Page, error) {
	if !IsHTML(contentType) {
		return nil, fmt.Errorf("%w: content type %q", ErrNotHTML, contentType)
	}
	br := bufio.NewReaderSize(r, sniffLen)
	if strings.TrimSpace(contentType) == "" {
		head, _ := br.Peek(sniffLen) // a short read just means a short page
		if sniffed := http.DetectContentType(head); !strings.HasPrefix(sniffed, "text/") {
			return nil, fmt.Errorf("%w: sniffed %q", ErrNotHTML, sniffed)
		}
		// The sniffed type always claims UTF-8, so it is not passed on: charset detection from
		// <meta> and the bytes is more accurate.
	}
	utf8Body, err := charset.NewReader(br, contentType)
	if errors.Is(err, io.EOF) {
		utf8Body, err = strings.NewReader(""), nil // an empty body is an empty page
	}
	if err != nil {
		return nil, fmt.Errorf("html: decode charset: %w", err)
	}
	doc, err := goquery.NewDocumentFromReader(utf8Body)
	if err != nil {
		return nil, fmt.Errorf("html: parse: %w", err)
	}

	page := &Page{Document: &ingest.Document{}}
	base := baseURL(doc, pageURL)
	page.NoIndex, page.NoFollow = robotsDirectives(doc)
	page.Links = links(doc, base)
	page.Canonical = canonical(doc, base, pageURL)

	d := page.Document
	d.Title = title(doc)
	d.Language = language(doc)
	switch {
	case page.Canonical != nil:
		d.URL = page.Canonical.String()
	case pageURL != nil:
		d.URL = withoutFragment(pageURL).String()
	}

	if b := doc.Find("body").First(); b.Length() > 0 {
		page.Words = visibleWords(b.Nodes[0])
	}
	// Links and metadata are read before boilerplate goes: navigation is content for a crawler.
	removeBoilerplate(doc.Selection.Nodes[0])
	body := doc.Find("body").First()
	if body.Length() == 0 {
		return page, nil
	}
	root := mainContent(body.Nodes[0])
	blocks, info := buildBlocks(root)
	d.Blocks = pruneBlocks(blocks, info, root != body.Nodes[0])
	if !hasContent(d.Blocks) && root != body.Nodes[0] {
		// The marked main region is empty; the whole body is better than nothing.
		blocks, info = buildBlocks(body.Nodes[0])
		d.Blocks = pruneBlocks(blocks, info, false)
	}
	if !hasContent(d.Blocks) {
		// Pruning took everything (a page that is one menu): keep what was there.
		d.Blocks = blocks
	}
	return page, nil
}

func hasContent(blocks []ingest.Block) bool {
	for _, b := range blocks {
		if b.Kind != ingest.BlockHeading {
			return true
		}
	}
	return false
}

// title prefers <title>, then og:title, then the first <h1>: many single-page apps leave <title>
// generic or empty.
func title(doc *goquery.Document) string {
	if t := collapse(doc.Find("head title").First().Text()); t != "" {
		return t
	}
	if t := collapse(doc.Find(`meta[property="og:title"]`).First().AttrOr("content", "")); t != "" {
		return t
	}
	if t := collapse(doc.Find("title").First().Text()); t != "" {
		return t
	}
	return collapse(doc.Find("h1").First().Text())
}

// language returns the primary subtag of <html lang>, lowercased ("en-US" → "en"), because
// Document.Language is an ISO 639 code, not a full BCP 47 tag.
func language(doc *goquery.Document) string {
	h := doc.Find("html").First()
	lang := h.AttrOr("lang", h.AttrOr("xml:lang", ""))
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if len(lang) < 2 || len(lang) > 3 {
		return ""
	}
	for _, r := range lang {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return lang
}
