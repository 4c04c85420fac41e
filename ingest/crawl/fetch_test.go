package crawl

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest/html"
)

func TestFetchConditionalAndErrors(t *testing.T) {
	page := `<html><head><title>T</title></head><body><main><p>Hello world, this is the page.</p></main><footer>nonce-1</footer></body></html>`
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page", "/cosmetic":
			body := page
			if r.URL.Path == "/cosmetic" {
				// Different markup, ads and footer; same main content.
				body = strings.ReplaceAll(page, "nonce-1", "nonce-2")
				body = strings.Replace(body, "<p>", `<p class="x"   data-a="b">`, 1)
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		case "/moved":
			http.Redirect(w, r, "/page", http.StatusMovedPermanently)
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.7"))
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<p>" + strings.Repeat("word ", 1000) + "</p>"))
		case "/error":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	})
	f, err := NewFetcher(privateClient(t), FetcherConfig{MaxBodyBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	first, err := f.Fetch(ctx, mustParse(t, srv.URL+"/moved"), Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.FinalURL.Path != "/page" || first.Page == nil || first.ContentHash == "" || first.ETag != `"v1"` || first.Key != srv.URL+"/page" {
		t.Errorf("first fetch: %+v", first)
	}
	again, err := f.Fetch(ctx, mustParse(t, srv.URL+"/page"), first.Validators())
	if err != nil || !again.NotModified || again.Page != nil || again.LastModified == "" {
		t.Errorf("conditional fetch: %+v, %v", again, err)
	}
	cosmetic, err := f.Fetch(ctx, mustParse(t, srv.URL+"/cosmetic"), Validators{})
	if err != nil || cosmetic.ContentHash != first.ContentHash {
		t.Errorf("markup-only change altered the content hash: %v vs %v (%v)", cosmetic.ContentHash, first.ContentHash, err)
	}

	for path, want := range map[string]error{"/gone": ErrGone, "/missing": ErrGone, "/pdf": html.ErrNotHTML} {
		if _, err := f.Fetch(ctx, mustParse(t, srv.URL+path), Validators{}); !errors.Is(err, want) {
			t.Errorf("%s: error %v, want %v", path, err, want)
		}
	}
	_, err = f.Fetch(ctx, mustParse(t, srv.URL+"/error"), Validators{})
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 500 || errors.Is(err, ErrGone) {
		t.Errorf("/error: %v, want a non-gone StatusError 500", err)
	}

	big, err := f.Fetch(ctx, mustParse(t, srv.URL+"/big"), Validators{})
	if err != nil || !big.Truncated || len(big.Page.Document.Blocks) != 1 || len(big.Page.Document.Blocks[0].Text) > 1000 {
		t.Errorf("oversized page: %+v, %v", big, err)
	}
}
