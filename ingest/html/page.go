package html

import (
	"errors"
	"net/url"

	"github.com/lorebase/lorebase/ingest"
)

// ErrNotHTML is returned by Extract for content that is not HTML (a PDF, an image, JSON, ...), so
// a crawler can route it elsewhere instead of indexing binary noise.
var ErrNotHTML = errors.New("html: content is not HTML")

// Page is everything Extract learns from one HTML page.
type Page struct {
	// Document holds the main content; Document.URL is the canonical URL when the page declares
	// one on the same host, else the page URL without its fragment.
	Document *ingest.Document
	// Links are the page's outgoing links: absolute, http or https only, without fragments,
	// deduplicated, in document order. They are collected from the whole page (navigation
	// included) because navigation is how a crawler finds the rest of a site; links marked
	// rel="nofollow" are left out.
	Links []*url.URL
	// Canonical is the page's link[rel=canonical] when it points to the same host; nil otherwise.
	Canonical *url.URL
	// NoIndex and NoFollow come from <meta name="robots"> (or name="lorebase-crawler").
	NoIndex  bool
	NoFollow bool
	// Words is how many words the page's visible body text has, furniture included (script,
	// style and hidden elements excluded); compare with CountWords of the Document to see how
	// much extraction kept.
	Words int
}
