package html

import (
	"mime"
	"strings"
)

// IsHTML reports whether a Content-Type header value may carry HTML. An empty value counts as
// possibly HTML because many servers omit the header; Extract then sniffs the bytes. A crawler
// calls this before reading a body so it never downloads megabytes of PDF only to refuse them.
func IsHTML(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A malformed parameter list still names its type first ("text/html; charset").
		mediaType = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	switch mediaType {
	case "text/html", "application/xhtml+xml":
		return true
	}
	return false
}
