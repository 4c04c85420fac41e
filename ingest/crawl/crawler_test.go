package crawl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase/ingest"
)

// testSite is a generated web site: 30 numbered pages in a chain of links, boilerplate on
// every page, robots.txt disallowing /private/, a sitemap index pointing to a gzip sitemap, a
// Latin-1 page, canonical and content duplicates, noindex and nofollow pages. It honours
// If-None-Match with content-derived ETags and counts requests per path.
type testSite struct {
	srv *httptest.Server

	mu      sync.Mutex
	pages   map[string]sitePage
	hits    map[string]int
	queries []string // raw queries of requests that had one
}

type sitePage struct {
	contentType string
	body        []byte
}

const siteChain = 30

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	s := &testSite{pages: map[string]sitePage{}, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	base := s.srv.URL

	html := func(path, title, main string, head ...string) {
		s.pages[path] = sitePage{"text/html; charset=utf-8", []byte(fmt.Sprintf(`<!DOCTYPE html>
<html lang="en"><head><title>%s</title>%s</head><body>
<div class="cookie-banner">This site uses cookies.</div>
<nav><a href="/">Home</a> <a href="/about">About</a> <span>Site navigation</span></nav>
<main>%s</main>
<footer>Copyright 2024 Test Site. <a href="/about">About us</a></footer>
</body></html>`, title, strings.Join(head, ""), main))}
	}
	html("/", "Home", `<h1>Welcome</h1><p>The home page of a test site with many pages.</p>
		<a href="/p/1">one</a> <a href="/p/2">two</a> <a href="/print/3">print three</a>
		<a href="/p/3?utm_source=news#top">three</a> <a href="/p/4">four</a> <a href="/p/5">five</a>
		<a href="/private/secret">secret</a> <a href="/latin1">latin</a> <a href="/noindex">noindex</a>
		<a href="/nofollow">nofollow</a> <a href="mailto:x@example.com">mail</a>
		<a href="http://other.invalid/page">elsewhere</a>`)
	html("/about", "About", `<h1>About</h1><p>About this test site.</p>`)
	for i := 1; i <= siteChain; i++ {
		html(fmt.Sprintf("/p/%d", i), fmt.Sprintf("Page %d", i), chainMain(i, "first version"))
	}
	// /p/N/ redirects to /p/N (trailing-slash duplicates collapse through the redirect).
	// The print version declares /p/3 canonical; /dup repeats /p/7's content with no canonical.
	html("/print/3", "Page 3", pageMain(3, "first version")+"<p>Printed.</p>", `<link rel="canonical" href="/p/3">`)
	html("/dup", "Page 7", chainMain(7, "first version"))
	html("/orphan", "Orphan", `<h1>Orphan</h1><p>Only the sitemap knows this page.</p>`)
	html("/noindex", "No index", `<p>Not for the index, but <a href="/from-noindex">follow me</a>.</p>`, `<meta name="robots" content="noindex">`)
	html("/from-noindex", "From noindex", `<p>Reached through a noindex page.</p>`)
	html("/nofollow", "No follow", `<p>Index me, but <a href="/from-nofollow">not my links</a>.</p>`, `<meta name="robots" content="nofollow">`)
	html("/from-nofollow", "From nofollow", `<p>Must not be crawled.</p>`)
	html("/private/secret", "Secret", `<p>Disallowed by robots.txt.</p>`)
	s.pages["/latin1"] = sitePage{"text/html; charset=ISO-8859-1", []byte("<html><head><title>Caf\xe9</title></head><body><main><p>Caf\xe9 cr\xe8me \xe0 Paris.</p></main></body></html>")}
	s.pages["/robots.txt"] = sitePage{"text/plain", []byte("User-agent: *\nDisallow: /private/\n\nSitemap: " + base + "/sitemap_index.xml\n")}
	s.pages["/sitemap_index.xml"] = sitePage{"application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>` + base + `/sitemaps/pages.xml.gz</loc></sitemap></sitemapindex>`)}
	s.pages["/sitemaps/pages.xml.gz"] = sitePage{"application/gzip", gzipped(t, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>`+base+`/orphan</loc></url><url><loc>`+base+fmt.Sprintf("/p/%d", siteChain)+`</loc></url>
<url><loc>http://elsewhere.invalid/x</loc></url></urlset>`)}
	return s
}

// chainMain is page i's main content: text, then links to the next two pages (with a
// trailing slash, which the server redirects away) and, near the end, to /dup.
func chainMain(i int, version string) string {
	main := pageMain(i, version)
	for _, n := range []int{i + 1, i + 2} {
		if n <= siteChain {
			main += fmt.Sprintf(` <a href="/p/%d/">next %d</a>`, n, n)
		}
	}
	if i == siteChain-1 {
		main += ` <a href="/dup">dup</a>`
	}
	return main
}

func pageMain(i int, version string) string {
	return fmt.Sprintf(`<h1>Page %d</h1><p>Content of page %d, %s, with enough words to be prose.</p>`, i, i, version)
}

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	if r.URL.RawQuery != "" {
		s.queries = append(s.queries, r.URL.RawQuery)
	}
	p, ok := s.pages[r.URL.Path]
	s.mu.Unlock()
	if r.URL.Path == "/broken" {
		http.Error(w, "upstream 10.1.2.3 down", http.StatusBadGateway)
		return
	}
	if !ok && strings.HasPrefix(r.URL.Path, "/p/") && strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/"), http.StatusMovedPermanently)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(p.body))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	w.Write(p.body)
}

func (s *testSite) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *testSite) pageRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if p != "/robots.txt" && !strings.Contains(p, "sitemap") {
			n += c
		}
	}
	return n
}

func (s *testSite) set(path string, p *sitePage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil {
		delete(s.pages, path)
		return
	}
	s.pages[path] = *p
}

func newTestCrawler(t *testing.T) *Crawler {
	t.Helper()
	c, err := New(nil, Config{Client: ClientConfig{AllowPrivate: true, Timeout: 5 * time.Second}, MinDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recorder collects what visit receives.
type recorder struct {
	results map[string]*Result
	order   []string
}

func (r *recorder) visit(_ context.Context, res *Result) error {
	if r.results == nil {
		r.results = map[string]*Result{}
	}
	r.results[res.Key] = res
	r.order = append(r.order, res.Key)
	return nil
}

func crawl(t *testing.T, c *Crawler, scope Scope, known map[string]Validators) (Stats, *recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rec := &recorder{}
	st, err := c.Run(ctx, scope, known, rec.visit)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return st, rec
}

func docText(d *ingest.Document) string {
	var parts []string
	for _, b := range d.Blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n")
}

func TestCrawlSite(t *testing.T) {
	site := newTestSite(t)
	base := site.srv.URL
	st, rec := crawl(t, newTestCrawler(t), Scope{Start: mustParse(t, base+"/")}, nil)

	want := []string{base + "/", base + "/about", base + "/orphan", base + "/latin1", base + "/nofollow", base + "/from-noindex"}
	for i := 1; i <= siteChain; i++ {
		want = append(want, fmt.Sprintf("%s/p/%d", base, i))
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(st.Visited))
	if !slices.Equal(got, want) {
		t.Errorf("visited\n got %v\nwant %v", got, want)
	}
	if len(rec.order) != len(st.Visited) {
		t.Errorf("visit called %d times for %d visited pages", len(rec.order), len(st.Visited))
	}
	if !st.Complete || len(st.Failed) != 0 || len(st.Gone) != 0 {
		t.Errorf("complete %v, failed %v, gone %v", st.Complete, st.Failed, st.Gone)
	}
	// Robots refusals, duplicates, noindex and out-of-scope links are not problems.
	if len(st.Problems) != 0 {
		t.Errorf("problems %+v, want none", st.Problems)
	}
	if site.hitCount("/private/secret") != 0 || site.hitCount("/from-nofollow") != 0 {
		t.Error("a robots-disallowed or nofollow-only page was requested")
	}
	if site.hitCount("/robots.txt") != 1 {
		t.Errorf("robots.txt requested %d times, want 1", site.hitCount("/robots.txt"))
	}
	if site.hitCount("/sitemaps/pages.xml.gz") != 1 {
		t.Error("the gzip sitemap behind the sitemap index was not read")
	}
	// The tracking-parameter spelling of /p/3 was never requested: it normalises to /p/3.
	site.mu.Lock()
	if len(site.queries) != 0 {
		t.Errorf("requests with queries: %v", site.queries)
	}
	site.mu.Unlock()
	skipped := map[string]SkipReason{}
	for _, s := range st.Skipped {
		skipped[s.URL] = s.Reason
	}
	for u, reason := range map[string]SkipReason{
		base + "/private/secret":     SkipRobots,
		"http://other.invalid/page":  SkipScope,
		"http://elsewhere.invalid/x": SkipScope,
		base + "/dup":                SkipDuplicate, // same content as /p/7
		base + "/print/3":            SkipDuplicate, // canonical /p/3
		base + "/noindex":            SkipNoIndex,
	} {
		if skipped[u] != reason {
			t.Errorf("%s skipped as %q, want %q", u, skipped[u], reason)
		}
	}

	// Extraction reached the callback: main content only, charset decoded.
	home := rec.results[base+"/"]
	if text := docText(home.Page.Document); strings.Contains(text, "Site navigation") || strings.Contains(text, "Copyright") || strings.Contains(text, "cookies") || !strings.Contains(text, "home page of a test site") {
		t.Errorf("home page text has boilerplate or lacks content:\n%s", text)
	}
	if text := docText(rec.results[base+"/latin1"].Page.Document); !strings.Contains(text, "Café crème à Paris.") {
		t.Errorf("latin1 page decoded as %q", text)
	}
	if p3 := rec.results[base+"/p/3"]; p3 == nil || p3.Page.Document.URL != base+"/p/3" {
		t.Errorf("/p/3 result %+v", p3)
	}
}

// Pages the crawl tried and could not index are reported with user-facing reasons.
func TestCrawlProblems(t *testing.T) {
	site := newTestSite(t)
	base := site.srv.URL
	site.set("/about", &sitePage{"text/html", []byte(`<html><body><main><p>About.</p>
<a href="/missing">gone</a> <a href="/manual.pdf">manual</a> <a href="/broken">broken</a></main></body></html>`)})
	site.set("/manual.pdf", &sitePage{"application/pdf; name=manual.pdf", []byte("%PDF-1.4")})
	st, _ := crawl(t, newTestCrawler(t), Scope{Start: mustParse(t, base+"/about"), MaxDepth: 1}, nil)
	got := map[string]string{}
	for _, p := range st.Problems {
		if p.At.IsZero() {
			t.Errorf("%s has no time", p.URL)
		}
		got[p.URL] = p.Reason
	}
	want := map[string]string{
		base + "/missing":    "HTTP 404 Not Found",
		base + "/manual.pdf": "not an HTML page (application/pdf)",
		base + "/broken":     "HTTP 502 Bad Gateway",
	}
	if !maps.Equal(got, want) {
		t.Errorf("problems\n got %v\nwant %v", got, want)
	}
}

func TestCrawlLimits(t *testing.T) {
	site := newTestSite(t)
	base := site.srv.URL

	st, _ := crawl(t, newTestCrawler(t), Scope{Start: mustParse(t, base+"/"), MaxPages: 5}, nil)
	if len(st.Visited) > 5 || site.pageRequests() > 5 || st.Complete {
		t.Errorf("MaxPages 5: visited %d, page requests %d, complete %v", len(st.Visited), site.pageRequests(), st.Complete)
	}
	if st.Vanished(map[string]Validators{base + "/p/20": {}}) != nil {
		t.Error("an incomplete crawl reported vanished pages")
	}

	st, _ = crawl(t, newTestCrawler(t), Scope{Start: mustParse(t, base+"/"), MaxDepth: 1}, nil)
	visited := map[string]bool{}
	for _, u := range st.Visited {
		visited[u] = true
	}
	for _, u := range []string{"/", "/p/1", "/p/5", "/about", "/orphan", fmt.Sprintf("/p/%d", siteChain)} {
		if !visited[base+u] {
			t.Errorf("MaxDepth 1: %s (depth ≤ 1 or in the sitemap) not visited", u)
		}
	}
	for _, u := range []string{"/p/6", "/p/7", "/from-noindex"} {
		if visited[base+u] {
			t.Errorf("MaxDepth 1: %s (depth 2) visited", u)
		}
	}

	site2 := newTestSite(t)
	st, _ = crawl(t, newTestCrawler(t), Scope{Start: mustParse(t, site2.srv.URL+"/"), Include: []string{"/", "/p/*"}, Exclude: []string{"/p/1*"}}, nil)
	for _, u := range st.Visited {
		path := strings.TrimPrefix(u, site2.srv.URL)
		if path != "/" && (!strings.HasPrefix(path, "/p/") || strings.HasPrefix(path, "/p/1")) {
			t.Errorf("Include/Exclude: %s visited", path)
		}
	}
	if site2.hitCount("/about") != 0 || site2.hitCount("/p/1") != 0 || site2.hitCount("/p/12") != 0 || site2.hitCount("/p/2") != 1 {
		t.Errorf("Include/Exclude: /about %d, /p/1 %d, /p/12 %d, /p/2 %d requests",
			site2.hitCount("/about"), site2.hitCount("/p/1"), site2.hitCount("/p/12"), site2.hitCount("/p/2"))
	}
}

func TestCrawlRecrawl(t *testing.T) {
	site := newTestSite(t)
	base := site.srv.URL
	c := newTestCrawler(t)
	scope := Scope{Start: mustParse(t, base+"/")}

	first, rec1 := crawl(t, c, scope, nil)
	known := map[string]Validators{}
	for k, res := range rec1.results {
		known[k] = res.Validators()
	}

	// Nothing changed: every known page comes back 304.
	second, rec2 := crawl(t, c, scope, known)
	if !slices.Equal(slices.Sorted(slices.Values(second.Visited)), slices.Sorted(slices.Values(first.Visited))) {
		t.Errorf("second run visited\n%v\nfirst run\n%v", second.Visited, first.Visited)
	}
	if len(second.NotModified) != len(first.Visited) {
		t.Errorf("second run: %d NotModified of %d pages", len(second.NotModified), len(first.Visited))
	}
	for k, res := range rec2.results {
		if !res.NotModified || res.Page != nil {
			t.Errorf("second run: %s not NotModified", k)
		}
	}
	if v := second.Vanished(known); len(v) != 0 {
		t.Errorf("unchanged site has vanished pages %v", v)
	}

	// One page changes, one disappears.
	changed := fmt.Sprintf("/p/%d", 5)
	site.set(changed, &sitePage{"text/html", []byte("<html><body><main>" + chainMain(5, "second version") + "</main></body></html>")})
	site.set("/p/10", nil)
	third, rec3 := crawl(t, c, scope, known)
	res := rec3.results[base+changed]
	if res == nil || res.NotModified || res.ContentHash == rec1.results[base+changed].ContentHash {
		t.Fatalf("changed page not detected: %+v", res)
	}
	if !strings.Contains(docText(res.Page.Document), "second version") {
		t.Errorf("changed page text %q", docText(res.Page.Document))
	}
	if !slices.Equal(third.Gone, []string{base + "/p/10"}) {
		t.Errorf("gone %v, want [/p/10]", third.Gone)
	}
	if v := third.Vanished(known); !slices.Equal(v, []string{base + "/p/10"}) {
		t.Errorf("vanished %v, want [/p/10]", v)
	}
	if len(third.NotModified) != len(first.Visited)-2 {
		t.Errorf("third run: %d NotModified, want %d", len(third.NotModified), len(first.Visited)-2)
	}
}

func TestCrawlStopsOnContextAndVisitError(t *testing.T) {
	site := newTestSite(t)
	c := newTestCrawler(t)
	scope := Scope{Start: mustParse(t, site.srv.URL+"/")}

	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	st, err := c.Run(ctx, scope, nil, func(context.Context, *Result) error {
		n++
		if n == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || len(st.Visited) != 3 || st.Complete {
		t.Errorf("cancelled run: err %v, visited %d, complete %v", err, len(st.Visited), st.Complete)
	}

	boom := errors.New("store is down")
	_, err = c.Run(context.Background(), scope, nil, func(context.Context, *Result) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("visit error: got %v", err)
	}
}

func TestCrawlRefusesLoopbackWithoutAllowPrivate(t *testing.T) {
	site := newTestSite(t)
	c, err := New(nil, Config{MinDelay: time.Millisecond, Client: ClientConfig{DialTimeout: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := crawl(t, c, Scope{Start: mustParse(t, site.srv.URL+"/")}, nil)
	if len(st.Visited) != 0 || site.pageRequests()+site.hitCount("/robots.txt") != 0 {
		t.Errorf("crawl reached a loopback site: %+v", st)
	}
	if len(st.Skipped) != 1 || st.Skipped[0].Reason != SkipRobotsUnavailable {
		t.Errorf("skipped %+v, want the start URL skipped for an unreachable robots.txt", st.Skipped)
	}
}
