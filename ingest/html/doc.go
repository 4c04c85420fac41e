// Package html extracts the readable content of a web page into an ingest.Document, together
// with what a crawler needs from the same parse: outgoing links, the canonical URL and the page's
// robots directives.
//
// Documentation pages put their content in many sibling sections, so extraction keeps the
// region the author marked as main (or the whole body) and drops furniture block by block:
// elements that HTML, ARIA or class/id words mark as navigation, menus and tables of contents
// (lists of single links), link-dense lines between sections, previous/next bars and short
// linked blocks at the page's edges. RepeatFilter removes, across one crawl, blocks repeated on
// most pages. No rule is keyed on a generator or a site. An element that wraps the marked main
// content is never dropped, so a mislabelled wrapper cannot erase a page.
package html
