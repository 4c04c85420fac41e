package html

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// crawlerMetaName is our crawler's own <meta name> so site owners can address it specifically.
const crawlerMetaName = "lorebase-crawler"

// robotsDirectives reads <meta name="robots"> and <meta name="lorebase-crawler">; "none" means
// both noindex and nofollow.
func robotsDirectives(doc *goquery.Document) (noIndex, noFollow bool) {
	doc.Find("meta[name][content]").Each(func(_ int, s *goquery.Selection) {
		name := strings.ToLower(strings.TrimSpace(s.AttrOr("name", "")))
		if name != "robots" && name != crawlerMetaName {
			return
		}
		content := s.AttrOr("content", "")
		if hasToken(content, "none") {
			noIndex, noFollow = true, true
		}
		if hasToken(content, "noindex") {
			noIndex = true
		}
		if hasToken(content, "nofollow") {
			noFollow = true
		}
	})
	return noIndex, noFollow
}
