// Package html extracts the readable main content of a web page into an ingest.Document, together
// with what a crawler needs from the same parse: outgoing links, the canonical URL and the page's
// robots directives.
//
// Extraction is deliberately conservative: boilerplate is dropped only when markup clearly marks
// it (nav, footer, role="navigation", class="cookie-banner", ...), and an element that wraps the
// main content is never dropped, so a mislabelled wrapper cannot erase a page.
package html
