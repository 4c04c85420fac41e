package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
)

// pgDocs is the PostgreSQL manual from Debian's postgresql-doc-15 (scripts/setup.sh installs it).
const pgDocs = "/usr/share/doc/postgresql-doc-15/html"

// pgClientPages is the copied subset: the client applications reference and a few of its
// pages. Links to the rest of the manual answer 404, as on a partial mirror.
var pgClientPages = []string{
	"reference-client.html", "app-pgdump.html", "app-pgrestore.html", "app-createdb.html",
	"app-dropdb.html", "app-pg-dumpall.html", "app-clusterdb.html", "app-pgbasebackup.html",
}

// A crawl of a real manual through the API ends ready with a true chunks_total, and a
// question about an option documented in a definition list on a page below the start page is
// answered with a source whose URL points at the section that documents it.
func TestCrawlRealManualAnswersWithSectionAnchor(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(pgDocs, "app-pgdump.html")); err != nil {
		t.Skipf("postgresql-doc-15 not installed (%v): run scripts/setup.sh", err)
	}
	dir := t.TempDir()
	for _, p := range pgClientPages {
		data, err := os.ReadFile(filepath.Join(pgDocs, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One deep page is held back until the test has seen the crawl's progress mid-way.
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open)
	files := http.StripPrefix("/docs/", http.FileServer(http.Dir(dir)))
	mux := http.NewServeMux()
	mux.HandleFunc("/docs/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/app-pgbasebackup.html") {
			select {
			case <-release:
			case <-time.After(30 * time.Second):
			}
		}
		files.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	e := setup(t)
	e.startWorker()
	r := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{
		"url": ts.URL + "/docs/reference-client.html", "title": "PostgreSQL client applications",
		"max_pages": 60, "max_depth": 1,
	}, withKey(e.org))
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	// While the crawl waits on the held page, the item says how far it is: pages done of the
	// pages known so far, within max_pages.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.call("GET", "/api/v1/knowledge/"+it.ID, nil, withKey(e.org))
		var cur lorebase.KnowledgeItem
		r.data(&cur)
		p := cur.Progress
		if p.Stage == "crawling" && p.Done >= 1 {
			t.Logf("mid-crawl progress %+v", p)
			if p.Total < p.Done || p.Total > 60 || cur.Status != lorebase.StatusProcessing {
				t.Fatalf("mid-crawl item %s, progress %+v", cur.Status, p)
			}
			break
		}
		if cur.Status == lorebase.StatusReady || cur.Status == lorebase.StatusFailed || time.Now().After(deadline) {
			t.Fatalf("never saw crawl progress: item %s, progress %+v", cur.Status, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	open()
	got := e.waitItem(e.org, it.ID)
	if got.Status != "ready" {
		t.Fatalf("crawl = %s %v", got.Status, got.Error)
	}
	var chunks int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM chunks WHERE item_id = $1`, it.ID).Scan(&chunks); err != nil {
		t.Fatal(err)
	}
	if got.Progress.ChunksTotal != chunks || chunks < 50 {
		t.Fatalf("progress %+v, %d chunks stored", got.Progress, chunks)
	}
	if got.Progress.Done != got.Progress.Total || got.Progress.Done < len(pgClientPages) {
		t.Fatalf("progress %+v, want every page of the subset done", got.Progress)
	}

	a := e.assistant(e.org, `{"name":"DBA helper"}`)
	r = e.call("POST", "/api/v1/conversations", map[string]any{"assistant_id": a.ID, "customer_id": "c-1"}, withKey(e.org))
	var conv struct {
		ID string `json:"id"`
	}
	r.data(&conv)
	r = e.call("POST", "/api/v1/conversations/"+conv.ID+"/messages",
		`{"content":"How can pg_dump avoid waiting forever to acquire shared table locks?"}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	var rep reply
	r.data(&rep)
	if !strings.Contains(rep.AssistantMessage.Content, "shared table locks") || len(rep.AssistantMessage.Sources) == 0 {
		t.Fatalf("answer = %q, sources %+v", rep.AssistantMessage.Content, rep.AssistantMessage.Sources)
	}
	want := ts.URL + "/docs/app-pgdump.html#PG-DUMP-OPTIONS"
	for _, s := range rep.AssistantMessage.Sources {
		if s.URL == want {
			return
		}
	}
	t.Fatalf("answer %q has no source at %s: %+v", rep.AssistantMessage.Content, want, rep.AssistantMessage.Sources)
}
