package crawl

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
)

func gzipped(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const urlset = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc> https://example.com/a?x=1&amp;y=2 </loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>https://example.com/b</loc><image:image><image:loc>https://example.com/b.png</image:loc></image:image></url>
</urlset>`

func TestParseSitemap(t *testing.T) {
	tests := []struct {
		name          string
		data          []byte
		urls, indexes []string
	}{
		{"urlset", []byte(urlset), []string{"https://example.com/a?x=1&y=2", "https://example.com/b"}, nil},
		{"gzip urlset", gzipped(t, urlset), []string{"https://example.com/a?x=1&y=2", "https://example.com/b"}, nil},
		{"index", []byte(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<sitemap><loc>https://example.com/s1.xml.gz</loc></sitemap>
			<sitemap><loc>https://example.com/s2.xml</loc></sitemap></sitemapindex>`),
			nil, []string{"https://example.com/s1.xml.gz", "https://example.com/s2.xml"}},
		{"text", []byte("\ufeffhttps://example.com/1\n\nnot a url\nhttp://example.com/2\r\n"), []string{"https://example.com/1", "http://example.com/2"}, nil},
		{"latin1 declared", []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://example.com/caf\xe9</loc></url></urlset>"), []string{"https://example.com/café"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := ParseSitemap(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(sm.URLs) != fmt.Sprint(tt.urls) || fmt.Sprint(sm.Sitemaps) != fmt.Sprint(tt.indexes) {
				t.Errorf("got urls %q sitemaps %q, want %q %q", sm.URLs, sm.Sitemaps, tt.urls, tt.indexes)
			}
			if sm.Truncated {
				t.Error("Truncated set on a small sitemap")
			}
		})
	}
}

func TestParseSitemapLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("<urlset>")
	for i := range MaxSitemapEntries + 10 {
		fmt.Fprintf(&b, "<url><loc>https://example.com/%d</loc></url>", i)
	}
	b.WriteString("</urlset>")
	sm, err := ParseSitemap(bytes.NewReader(gzipped(t, b.String())))
	if err != nil {
		t.Fatal(err)
	}
	if len(sm.URLs) != MaxSitemapEntries || !sm.Truncated {
		t.Errorf("got %d URLs, truncated %v; want %d and true", len(sm.URLs), sm.Truncated, MaxSitemapEntries)
	}

	// A gzip bomb: a small file that inflates past the cap stops there with what it read.
	const limit = 4096
	big := "<urlset><url><loc>https://example.com/first</loc></url><!--" + strings.Repeat(" ", 100*limit) + "-->"
	sm, err = parseSitemap(bytes.NewReader(gzipped(t, big)), limit)
	if err != nil {
		t.Fatal(err)
	}
	if !sm.Truncated || len(sm.URLs) != 1 {
		t.Errorf("oversized sitemap: truncated %v, urls %v", sm.Truncated, sm.URLs)
	}
}

func TestParseSitemapMalformed(t *testing.T) {
	if _, err := ParseSitemap(strings.NewReader("<urlset><url><loc>https://x.test/</loc></url><url><loc")); err == nil {
		t.Error("malformed XML accepted without error")
	}
}
