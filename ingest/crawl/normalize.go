package crawl

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that identify a campaign or click, never a different
// page; utm_* is matched by prefix.
var trackingParams = map[string]bool{
	"gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "fbclid": true, "msclkid": true,
	"yclid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "igshid": true,
	"ref_src": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
}

// Normalize returns the form of u used to tell whether two URLs are the same page:
//   - scheme and host lowercased, a trailing dot on the host removed, default ports (:80 for
//     http, :443 for https) dropped, user info dropped;
//   - the fragment dropped;
//   - "." and ".." path segments resolved; an empty path becomes "/";
//   - tracking parameters (utm_*, gclid, fbclid, ...) removed and the rest sorted by name
//     (values of a repeated name keep their order); an empty query is dropped.
//
// Trailing slashes are kept as they are: "/docs" and "/docs/" are different URLs to HTTP and
// some servers answer them differently. Sites that treat them as one redirect one to the other,
// and the crawler dedups on the URL after redirects and on canonical links and content, so both
// spellings still end up as one page.
func Normalize(u *url.URL) *url.URL {
	n := *u
	n.User = nil
	n.Fragment, n.RawFragment = "", ""
	n.Scheme = strings.ToLower(n.Scheme)
	host, port := n.Hostname(), n.Port()
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if (n.Scheme == "http" && port == "80") || (n.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		n.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		n.Host = "[" + host + "]" // IPv6 literal
	} else {
		n.Host = host
	}
	if n.Opaque == "" {
		n.Path, n.RawPath = cleanPath(n.EscapedPath())
	}
	n.RawQuery = normalizeQuery(n.RawQuery)
	n.ForceQuery = false
	return &n
}

// Key is Normalize(u).String(), the string the crawler dedups on and reports in Stats.
func Key(u *url.URL) string {
	return Normalize(u).String()
}

// cleanPath removes dot segments (RFC 3986 section 5.2.4) from an escaped path, keeping a
// trailing slash, and returns the decoded and raw forms.
func cleanPath(escaped string) (path, rawPath string) {
	if escaped == "" {
		return "/", ""
	}
	var out []string
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	joined := strings.Join(out, "/")
	if !strings.HasPrefix(joined, "/") {
		joined = "/" + joined
	}
	p, err := url.PathUnescape(joined)
	if err != nil {
		return joined, ""
	}
	// Keep RawPath only when it differs from the default encoding (e.g. an escaped "/").
	if (&url.URL{Path: p}).EscapedPath() == joined {
		return p, ""
	}
	return p, joined
}

func normalizeQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ key, raw string }
	var kept []pair
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		key, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "utm_") || trackingParams[lower] {
			continue
		}
		kept = append(kept, pair{name, part})
	}
	// Sorting the raw pairs (not re-encoding them) keeps each value byte-for-byte as the site
	// wrote it; some servers care about encoding details.
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].key < kept[j].key })
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}
