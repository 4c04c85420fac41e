package crawl

import (
	"net"
	"net/url"
	"strings"
)

// MaxPagesDefault bounds a crawl whose Scope sets no MaxPages.
const MaxPagesDefault = 1000

// Scope says which URLs a crawl may fetch.
type Scope struct {
	// Start is where the crawl begins; its host (with port, if not the default) is in scope.
	Start *url.URL
	// Hosts are further allowed hosts: "docs.example.com" (any port) or "example.com:8080"
	// (that port only); "*.example.com" allows every subdomain of example.com (not example.com
	// itself). Matching is case-insensitive.
	Hosts []string
	// MaxDepth is how many links away from Start the crawl goes; 0 means no depth limit (the
	// crawl is still bounded by MaxPages).
	MaxDepth int
	// MaxPages caps page requests (robots.txt and sitemaps not counted); MaxPagesDefault when 0.
	MaxPages int
	// Include and Exclude are glob patterns matched against the URL's path (decoded, without
	// query). "*" matches any run of characters, "/" included; every other character is literal.
	// Examples: "/docs/*", "*.pdf", "/blog/*/comments". When Include is not empty a path must
	// match one of its patterns; a path matching any Exclude pattern is out, whatever Include
	// says.
	Include, Exclude []string
}

// Allows reports whether u is in scope by scheme, host, Include and Exclude. Depth and page
// limits are the crawler's business.
func (s Scope) Allows(u *url.URL) bool {
	if u == nil || !webScheme(strings.ToLower(u.Scheme)) || u.Host == "" {
		return false
	}
	if !s.allowsHost(Normalize(u)) {
		return false
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	for _, p := range s.Exclude {
		if globMatch(p, path) {
			return false
		}
	}
	if len(s.Include) == 0 {
		return true
	}
	for _, p := range s.Include {
		if globMatch(p, path) {
			return true
		}
	}
	return false
}

func (s Scope) allowsHost(n *url.URL) bool {
	if s.Start != nil && n.Host == Normalize(s.Start).Host {
		return true
	}
	hostname := n.Hostname()
	for _, h := range s.Hosts {
		h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
		if parent, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(hostname, "."+parent) {
				return true
			}
			continue
		}
		if host, port, err := net.SplitHostPort(h); err == nil {
			if hostname == host && portOf(n) == port {
				return true
			}
			continue
		}
		if hostname == strings.Trim(h, "[]") {
			return true
		}
	}
	return false
}

// portOf is u's port, the scheme's default when the URL leaves it out.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// globMatch matches name against a pattern where "*" is the only wildcard.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}
