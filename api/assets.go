package api

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lorebase/lorebase"
)

// web holds the browser front ends, served by the binary itself with no build step: the
// embeddable widget (/widget.js, and the chat panel it frames at /widget/) and the knowledge
// manager console (/console/). Plain HTML, CSS and JavaScript; pages render every piece of
// knowledge text with textContent, never as markup.
//
//go:embed web
var web embed.FS

// Content-Security-Policy of the console and widget pages: scripts and styles from this origin
// only (no inline script or style elements), API calls to this origin only.
const (
	cspConsole = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	// cspWidget gets its frame-ancestors from the client's allowed origins (see serveWidgetFrame).
	cspWidget = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'none'; base-uri 'none'"
)

// browserRoutes serves the widget and the console, and the console's sign-in endpoints.
func (s *Server) browserRoutes() []route {
	asset := func(summary string) routeDoc { return routeDoc{tag: "browser", summary: summary, raw: "text/html"} }
	return []route{
		{method: "GET", path: "/widget.js", access: accessPublic, handle: s.serveAsset("web/widget.js", ""),
			doc: routeDoc{tag: "browser", summary: "The embeddable chat widget's loader script", raw: "text/javascript"}},
		{method: "GET", path: "/widget", collection: true, access: accessPublic, handle: s.serveWidgetFrame,
			doc: asset("The widget's chat panel, framed by /widget.js (query client_id, assistant_id, config_id, embed_origin)")},
		{method: "GET", path: "/widget/{file}", access: accessPublic, handle: s.serveDir("web/widget", cspWidget),
			doc: asset("The widget panel's scripts and styles")},
		{method: "GET", path: "/console", collection: true, access: accessPublic, handle: s.serveAsset("web/console/index.html", cspConsole),
			doc: asset("The knowledge manager console")},
		{method: "GET", path: "/console/{file}", access: accessPublic, handle: s.serveDir("web/console", cspConsole),
			doc: asset("The console's scripts and styles")},
		{method: "GET", path: "/api/v1/knowledge/{id}/pages", access: accessKey, handle: s.listCrawledPages,
			doc: routeDoc{tag: "knowledge", summary: "The pages of a crawled site item: those indexed, with their passage counts, and those the last crawl could not index, with the reason",
				response: lorebase.CrawledPage{}, list: true, errors: []int{404, 422},
				params: []queryParam{{"status", "string", "ready or failed: only those pages"}}}},
		{method: "POST", path: "/console/api/login", access: accessPublic, handle: s.consoleLogin,
			doc: routeDoc{tag: "browser", summary: "Exchange an API key pair for a console session cookie (HttpOnly, SameSite=Strict)",
				request: consoleLoginInput{}, response: consoleSessionView{}, status: http.StatusCreated, errors: []int{400, 401, 403, 415, 422, 429}}},
		{method: "GET", path: "/console/api/session", access: accessPublic, handle: s.consoleSession,
			doc: routeDoc{tag: "browser", summary: "The console's sign-in and its CSRF token", response: consoleSessionView{}, errors: []int{401, 403}}},
		{method: "POST", path: "/console/api/logout", access: accessPublic, handle: s.consoleLogout,
			doc: routeDoc{tag: "browser", summary: "End the console session (needs X-CSRF-Token)", response: map[string]bool{}, errors: []int{401, 403}}},
	}
}

// crawledPages is what listCrawledPages needs from the knowledge reader.
type crawledPages interface {
	CrawledPages(ctx context.Context, orgID, itemID string, status lorebase.KnowledgeStatus, page lorebase.Page) ([]lorebase.CrawledPage, int, error)
}

// listCrawledPages answers GET /api/v1/knowledge/{id}/pages: the console's per-page view of a crawl.
func (s *Server) listCrawledPages(w http.ResponseWriter, r *http.Request) error {
	it, err := s.getOwned(r)
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	status := lorebase.KnowledgeStatus(r.URL.Query().Get("status"))
	if status != "" && status != lorebase.StatusReady && status != lorebase.StatusFailed {
		ve := &lorebase.ValidationError{}
		ve.Add("status", "must be ready or failed")
		return ve
	}
	var items []lorebase.CrawledPage
	total := 0
	if cp, ok := s.deps.KnowledgeReader.(crawledPages); ok && it.Type == lorebase.KnowledgeURL {
		if items, total, err = cp.CrawledPages(r.Context(), it.OrganizationID, it.ID, status, page); err != nil {
			return err
		}
	}
	writeData(w, http.StatusOK, listData[lorebase.CrawledPage]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

var assetTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

func (s *Server) serveAsset(name, csp string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return writeAsset(w, r, name, csp)
	}
}

func (s *Server) serveDir(dir, csp string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		file := r.PathValue("file")
		if file == "" || strings.HasPrefix(file, ".") || strings.ContainsAny(file, `/\`) || path.Ext(file) == ".html" {
			return fmt.Errorf("%w: no asset %s", lorebase.ErrNotFound, r.URL.Path)
		}
		return writeAsset(w, r, dir+"/"+file, csp)
	}
}

// serveWidgetFrame serves the chat panel. Only the pages the API client allows may frame it:
// its frame-ancestors are the client's allowed origins (and this server, for the console's
// preview), so another site cannot frame the panel and claim a page origin it does not have.
func (s *Server) serveWidgetFrame(w http.ResponseWriter, r *http.Request) error {
	ancestors := []string{"'self'"}
	if id := r.URL.Query().Get("client_id"); id != "" && len(id) <= 200 {
		c, _, err := s.orgs.Client(r.Context(), id)
		if err == nil && c.IsActive {
			for _, o := range c.AllowedOrigins {
				if o = normalizeOrigin(o); validFrameAncestor(o) && !slices.Contains(ancestors, o) {
					ancestors = append(ancestors, o)
				}
			}
		}
	}
	return writeAsset(w, r, "web/widget/frame.html", cspWidget+"; frame-ancestors "+strings.Join(ancestors, " "))
}

// validFrameAncestor keeps a CSP source list well-formed whatever an allowed origin holds.
func validFrameAncestor(o string) bool {
	if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
		return false
	}
	return !strings.ContainsAny(o, " ;,'\"\t\r\n")
}

func writeAsset(w http.ResponseWriter, r *http.Request, name, csp string) error {
	b, err := fs.ReadFile(web, name)
	if err != nil {
		return fmt.Errorf("%w: no asset %s", lorebase.ErrNotFound, r.URL.Path)
	}
	h := w.Header()
	h.Set("Content-Type", assetTypes[path.Ext(name)])
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if csp != "" {
		h.Set("Content-Security-Policy", csp)
	}
	if strings.HasSuffix(name, ".html") {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	http.ServeContent(w, r, "", assetModTime, strings.NewReader(string(b)))
	return nil
}

// assetModTime is the process start: assets change only with the binary.
var assetModTime = time.Now()
