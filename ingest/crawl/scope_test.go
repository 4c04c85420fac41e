package crawl

import (
	"net/url"
	"testing"
)

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP://Example.COM:80/a/b?b=2&a=1#frag", "http://example.com/a/b?a=1&b=2"},
		{"https://example.com:443", "https://example.com/"},
		{"https://example.com:8443/x", "https://example.com:8443/x"},
		{"http://user:pw@example.com./a/./b/../c", "http://example.com/a/c"},
		{"http://example.com/a/b/..", "http://example.com/a/"},
		{"http://example.com/docs/", "http://example.com/docs/"}, // trailing slash kept
		{"http://example.com/docs", "http://example.com/docs"},
		{"http://example.com/?utm_source=x&UTM_Medium=y&id=7&fbclid=z&gclid=1", "http://example.com/?id=7"},
		{"http://example.com/?utm_campaign=only", "http://example.com/"},
		{"http://example.com/?", "http://example.com/"},
		{"http://example.com/a%2Fb?q=a%20b", "http://example.com/a%2Fb?q=a%20b"},
		{"http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"},
		{"http://example.com/?b=1&a=2&b=0", "http://example.com/?a=2&b=1&b=0"},
	}
	for _, tt := range tests {
		if got := Key(mustParse(t, tt.in)); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScopeAllows(t *testing.T) {
	s := Scope{
		Start:   mustParse(t, "https://Docs.Example.com/guide/"),
		Hosts:   []string{"*.cdn.example.com", "api.example.com:8443", "blog.example.com"},
		Include: []string{"/guide/*", "/blog/*", "/api/*"},
		Exclude: []string{"*.pdf", "/guide/*/print", "/guide/private*"},
	}
	tests := []struct {
		u    string
		want bool
	}{
		{"https://docs.example.com/guide/intro", true},
		{"https://docs.example.com:443/guide/intro", true},
		{"http://docs.example.com/guide/intro", true}, // scheme may differ, host decides
		{"https://docs.example.com/about", false},     // not included
		{"https://docs.example.com/guide/manual.pdf", false},
		{"https://docs.example.com/guide/a/b/print", false},
		{"https://docs.example.com/guide/private/x", false},
		{"https://docs.example.com:8080/guide/intro", false}, // another port is another site
		{"https://img.cdn.example.com/guide/x", true},
		{"https://cdn.example.com/guide/x", false}, // the wildcard means subdomains only
		{"https://evilcdn.example.com/guide/x", false},
		{"https://api.example.com:8443/api/v1", true},
		{"https://api.example.com/api/v1", false},
		{"https://blog.example.com:8080/blog/post", true},
		{"https://example.com/guide/intro", false},
		{"ftp://docs.example.com/guide/intro", false},
		{"mailto:a@docs.example.com", false},
	}
	for _, tt := range tests {
		if got := s.Allows(mustParse(t, tt.u)); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.u, got, tt.want)
		}
	}
	if (Scope{Start: mustParse(t, "http://a.test/")}).Allows(mustParse(t, "http://a.test/anything")) != true {
		t.Error("no Include should allow every path on the start host")
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"/docs/*", "/docs/a/b", true},
		{"/docs/*", "/doc", false},
		{"*.pdf", "/a/b.pdf", true},
		{"*.pdf", "/a/b.pdf.html", false},
		{"/a/*/c", "/a/x/y/c", true},
		{"/exact", "/exact", true},
		{"/exact", "/exact/", false},
		{"/a?b", "/a?b", true}, // "?" is literal
		{"/a?b", "/axb", false},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
