package api_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lorebase/lorebase"
)

// site is a local web site of linked pages with robots.txt and a sitemap, whose pages can be
// changed or removed between crawls. It answers conditional GETs with 304.
type site struct {
	mu      sync.Mutex
	pages   map[string]string // path → body text
	hits    map[string]int
	private int
}

func newSite(n int) *site {
	s := &site{pages: map[string]string{}, hits: map[string]int{}}
	for i := 0; i < n; i++ {
		s.pages[fmt.Sprintf("/docs/page-%02d", i)] = fmt.Sprintf("Topic %02d: the widget model %d supports firmware channel %d and warranty plan %d.", i, i*7, i*3, i%5)
	}
	return s
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.URL.Path]++
	switch {
	case r.URL.Path == "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\nSitemap: http://"+r.Host+"/sitemap.xml\n")
		return
	case r.URL.Path == "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for p := range s.pages {
			fmt.Fprintf(w, "<url><loc>http://%s%s</loc></url>", r.Host, p)
		}
		fmt.Fprint(w, "</urlset>")
		return
	case strings.HasPrefix(r.URL.Path, "/private/"):
		s.private++
		fmt.Fprint(w, "<html><body><p>secret</p></body></html>")
		return
	}
	path := r.URL.Path
	body, ok := s.pages[path]
	if path == "/" {
		body, ok = "Welcome to the product documentation index.", true
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(body)))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var links strings.Builder
	for p := range s.pages {
		fmt.Fprintf(&links, `<li><a href="%s">%s</a></li>`, p, p)
	}
	fmt.Fprintf(w, `<html><head><title>%s</title></head><body><nav><ul>%s<li><a href="/private/x">private</a></li></ul></nav>
<main><h1>%s</h1><p>%s</p><p>Subscribe to the Example Corp newsletter for product news every month.</p></main><footer>Copyright Example Corp</footer></body></html>`, path, links.String(), path, body)
}

func (s *site) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if body == "" {
		delete(s.pages, path)
	} else {
		s.pages[path] = body
	}
}

// chunkIDs maps each crawled page URL's path to its chunk ids.
func (e *env) chunkIDs(itemID string) map[string]string {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(),
		`SELECT url, string_agg(id::text, ',' ORDER BY id) FROM chunks WHERE item_id = $1 GROUP BY url`, itemID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, ids string
		if err := rows.Scan(&u, &ids); err != nil {
			e.t.Fatal(err)
		}
		if i := strings.Index(u, "/docs/"); i >= 0 {
			out[u[i:]] = ids
		}
	}
	return out
}

func TestCrawlSiteIncrementally(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	s := newSite(32)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)

	r := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{"url": ts.URL + "/", "title": "Docs", "max_pages": 40, "max_depth": 3}, withKey(e.org))
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	if it.Crawl == nil || it.Crawl.MaxPages != 40 {
		t.Fatalf("crawl settings = %+v", it.Crawl)
	}
	got := e.waitItem(e.org, it.ID)
	if got.Status != "ready" {
		t.Fatalf("crawl = %+v %v", got, got.Error)
	}
	first := e.chunkIDs(it.ID)
	if len(first) != 32 {
		t.Fatalf("crawled %d pages, want 32: %v", len(first), first)
	}
	if s.private != 0 {
		t.Fatal("a path disallowed by robots.txt was fetched")
	}
	for _, c := range e.chunks(it.ID) {
		// The newsletter line sits inside <main> on every page: only the crawl's
		// repeated-block filter can tell it is furniture.
		if strings.Contains(c.Content, "Copyright") || strings.Contains(c.Content, "/private/x") || strings.Contains(c.Content, "newsletter") {
			t.Fatalf("boilerplate stored: %q", c.Content)
		}
	}

	// A second crawl of the unchanged site embeds nothing: every chunk is the same row.
	expect(t, e.call("POST", "/api/v1/knowledge/urls/"+it.ID+"/reindex", nil, withKey(e.org)), http.StatusAccepted)
	if got := e.waitItem(e.org, it.ID); got.Status != "ready" {
		t.Fatalf("recrawl = %+v", got)
	}
	second := e.chunkIDs(it.ID)
	for p, ids := range first {
		if second[p] != ids {
			t.Fatalf("unchanged page %s was re-embedded: %s → %s", p, ids, second[p])
		}
	}

	// A changed page is re-embedded, a removed page's chunks disappear, the rest stay.
	s.set("/docs/page-05", "Topic 05 now covers the brand new solar charger accessory.")
	s.set("/docs/page-07", "")
	expect(t, e.call("POST", "/api/v1/knowledge/"+it.ID+"/reindex", nil, withKey(e.org)), http.StatusAccepted)
	if got := e.waitItem(e.org, it.ID); got.Status != "ready" {
		t.Fatalf("third crawl = %+v", got)
	}
	third := e.chunkIDs(it.ID)
	if _, ok := third["/docs/page-07"]; ok {
		t.Fatal("removed page still has chunks")
	}
	if third["/docs/page-05"] == first["/docs/page-05"] || third["/docs/page-05"] == "" {
		t.Fatal("changed page was not re-embedded")
	}
	for p, ids := range first {
		if p != "/docs/page-05" && p != "/docs/page-07" && third[p] != ids {
			t.Fatalf("untouched page %s changed", p)
		}
	}
	// The changed page was the only one fetched in full, yet the site's repeated line is still
	// known from the blocks remembered for the unchanged pages.
	for _, c := range e.chunks(it.ID) {
		if strings.Contains(c.Content, "newsletter") {
			t.Fatalf("repeated line stored on re-crawl: %q", c.Content)
		}
	}
	var solar int
	_ = e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM chunks WHERE item_id = $1 AND content LIKE '%solar charger%'`, it.ID).Scan(&solar)
	if solar != 1 {
		t.Fatalf("new content chunks = %d", solar)
	}
}

// Without the test switch, the crawler refuses loopback: the item fails with a clear reason.
func TestCrawlRefusesLoopbackByDefault(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorkerWith(false)
	ts := httptest.NewServer(newSite(2))
	t.Cleanup(ts.Close)
	r := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{"url": ts.URL + "/"}, withKey(e.org))
	var it lorebase.KnowledgeItem
	r.data(&it)
	got := e.waitItem(e.org, it.ID)
	if got.Status != "failed" || got.Error == nil || !strings.Contains(*got.Error, "forbidden") {
		t.Fatalf("loopback crawl = %s %v", got.Status, got.Error)
	}
}

// brokenSite links from its index to a good page, a page that answers 500 until fixed, and a
// PDF: the crawl's per-page view lists the two it could not index with readable reasons.
type brokenSite struct {
	mu    sync.Mutex
	fixed bool
	down  string // a path that answers 503
}

func (b *brokenSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	fixed, down := b.fixed, b.down
	b.mu.Unlock()
	if r.URL.Path == down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	page := func(title, text string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>%s</title></head><body><main><h1>%s</h1><p>%s</p></main></body></html>`, title, title, text)
	}
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Help</title></head><body><main><h1>Help centre</h1><p>Everything about the kettle.</p>
<a href="/descaling">Descaling</a> <a href="/warranty">Warranty</a> <a href="/manual.pdf">Manual</a></main></body></html>`)
	case "/descaling":
		page("Descaling", "Descale the kettle every month with a citric acid solution.")
	case "/warranty":
		if !fixed {
			http.Error(w, "database unavailable at 10.0.0.7:5432", http.StatusInternalServerError)
			return
		}
		page("Warranty", "The kettle carries a two year warranty covering the heating element.")
	case "/manual.pdf":
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4 not really")
	default:
		http.NotFound(w, r)
	}
}

func TestCrawledPagesListFailures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	b := &brokenSite{}
	ts := httptest.NewServer(b)
	t.Cleanup(ts.Close)
	key := withKey(e.org)

	r := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{"url": ts.URL + "/", "title": "Help", "max_pages": 10, "max_depth": 2}, key)
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	if got := e.waitItem(e.org, it.ID); got.Status != lorebase.StatusReady {
		t.Fatalf("crawl = %+v %v", got, got.Error)
	}
	type listing struct {
		Items []lorebase.CrawledPage
		Total int
	}
	list := func(query string) listing {
		t.Helper()
		r := e.call("GET", "/api/v1/knowledge/"+it.ID+"/pages"+query, nil, key)
		expect(t, r, http.StatusOK)
		var l listing
		r.data(&l)
		return l
	}
	byPath := func(l listing) map[string]lorebase.CrawledPage {
		out := map[string]lorebase.CrawledPage{}
		for _, p := range l.Items {
			out[strings.TrimPrefix(p.URL, ts.URL)] = p
		}
		return out
	}
	errText := func(p lorebase.CrawledPage) string {
		if p.Error == nil {
			return "<null>"
		}
		return *p.Error
	}

	all := byPath(list(""))
	if len(all) != 4 {
		t.Fatalf("pages = %+v, want /, /descaling, /warranty and /manual.pdf", all)
	}
	for _, path := range []string{"/", "/descaling"} {
		if p := all[path]; p.Status != lorebase.StatusReady || p.Error != nil || p.Chunks == 0 {
			t.Errorf("%s = %+v (error %s), want ready with passages", path, p, errText(p))
		}
	}
	wantFailed := map[string]string{"/warranty": "HTTP 500 Internal Server Error", "/manual.pdf": "not an HTML page (application/pdf)"}
	for path, reason := range wantFailed {
		p := all[path]
		if p.Status != lorebase.StatusFailed || errText(p) != reason || p.Chunks != 0 || p.FetchedAt.IsZero() {
			t.Errorf("%s = %+v (error %s), want failed with %q", path, p, errText(p), reason)
		}
	}
	// The JSON says null for a ready page's error, not an absent field or "".
	raw := e.call("GET", "/api/v1/knowledge/"+it.ID+"/pages?status=ready&page_size=1", nil, key)
	if !strings.Contains(string(raw.Body), `"error":null`) || !strings.Contains(string(raw.Body), `"status":"ready"`) {
		t.Errorf("ready page JSON = %s", raw.Body)
	}

	// The filter, paginated.
	failed := list("?status=failed&page_size=1")
	if failed.Total != 2 || len(failed.Items) != 1 || failed.Items[0].Status != lorebase.StatusFailed {
		t.Errorf("?status=failed&page_size=1 = %+v", failed)
	}
	failed = list("?status=failed")
	if got := byPath(failed); len(got) != 2 || got["/warranty"].Status != lorebase.StatusFailed || got["/manual.pdf"].Status != lorebase.StatusFailed {
		t.Errorf("?status=failed = %+v", failed)
	}
	if ready := list("?status=ready"); ready.Total != 2 {
		t.Errorf("?status=ready = %+v", ready)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/"+it.ID+"/pages?status=broken", nil, key), http.StatusUnprocessableEntity)

	// The page is fixed: a re-crawl lists it ready with passages, the PDF still failed.
	b.mu.Lock()
	b.fixed = true
	b.mu.Unlock()
	expect(t, e.call("POST", "/api/v1/knowledge/urls/"+it.ID+"/reindex", nil, key), http.StatusAccepted)
	if got := e.waitItem(e.org, it.ID); got.Status != lorebase.StatusReady {
		t.Fatalf("recrawl = %+v %v", got, got.Error)
	}
	all = byPath(list(""))
	if p := all["/warranty"]; len(all) != 4 || p.Status != lorebase.StatusReady || p.Error != nil || p.Chunks == 0 {
		t.Errorf("after the fix /warranty = %+v (error %s); pages %+v", p, errText(p), all)
	}
	if failed := byPath(list("?status=failed")); len(failed) != 1 || errText(failed["/manual.pdf"]) != wantFailed["/manual.pdf"] {
		t.Errorf("after the fix failed pages = %+v", failed)
	}

	// A stored page that now fails is listed failed once, and keeps its passages (the failure
	// may be temporary).
	b.mu.Lock()
	b.down = "/descaling"
	b.mu.Unlock()
	expect(t, e.call("POST", "/api/v1/knowledge/urls/"+it.ID+"/reindex", nil, key), http.StatusAccepted)
	if got := e.waitItem(e.org, it.ID); got.Status != lorebase.StatusReady {
		t.Fatalf("third crawl = %+v %v", got, got.Error)
	}
	all = byPath(list(""))
	if p := all["/descaling"]; len(all) != 4 || p.Status != lorebase.StatusFailed || errText(p) != "HTTP 503 Service Unavailable" || p.Chunks == 0 {
		t.Errorf("a stored page now down = %+v (error %s); pages %+v", p, errText(p), all)
	}
}
