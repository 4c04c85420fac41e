package api

import (
	"net/http"

	"github.com/lorebase/lorebase"
)

// routeTable lists every endpoint. Collection paths are also served with a trailing slash.
func (s *Server) routeTable() []route {
	const v1 = "/api/v1"
	routes := []route{
		{method: "GET", path: "/healthz", access: accessPublic, handle: s.healthz,
			doc: routeDoc{tag: "operations", summary: "The process is alive", response: healthStatus{}}},
		{method: "GET", path: "/readyz", access: accessPublic, handle: s.readyz,
			doc: routeDoc{tag: "operations", summary: "The database answers and migrations are current", response: healthStatus{}, errors: []int{503}}},
		{method: "GET", path: "/metrics", access: accessPublic, handle: s.serveMetrics,
			doc: routeDoc{tag: "operations", summary: "Prometheus metrics", raw: "text/plain"}},
		{method: "GET", path: v1 + "/openapi.json", access: accessPublic, handle: s.serveOpenAPI,
			doc: routeDoc{tag: "operations", summary: "This OpenAPI document", raw: "application/json"}},

		{method: "POST", path: v1 + "/auth/widget-token", aliases: []string{"/api/auth/widget-token"}, access: accessPublic, handle: s.issueWidgetToken,
			doc: routeDoc{tag: "auth", summary: "Issue a widget token for an allowed origin (bare JSON, no envelope)",
				request: widgetTokenRequest{}, response: widgetTokenResponse{}, bare: true, errors: []int{400, 401, 422, 429}}},

		{method: "GET", path: v1 + "/assistants", collection: true, access: accessKey, handle: s.listAssistants,
			doc: routeDoc{tag: "assistants", summary: "List assistants", response: lorebase.Assistant{}, list: true}},
		{method: "POST", path: v1 + "/assistants", collection: true, access: accessKey, handle: s.createAssistant,
			doc: routeDoc{tag: "assistants", summary: "Create an assistant", request: assistantInput{}, response: lorebase.Assistant{}, status: http.StatusCreated, errors: []int{400, 413, 415, 422}}},
		{method: "GET", path: v1 + "/assistants/{id}", access: accessWidget, handle: s.getAssistant,
			doc: routeDoc{tag: "assistants", summary: "Get an assistant (widget tokens see public fields only)", response: lorebase.Assistant{}, errors: []int{404}}},
		{method: "PATCH", path: v1 + "/assistants/{id}", access: accessKey, handle: s.updateAssistant,
			doc: routeDoc{tag: "assistants", summary: "Update an assistant", request: assistantInput{}, response: lorebase.Assistant{}, errors: []int{400, 404, 415, 422}}},
		{method: "DELETE", path: v1 + "/assistants/{id}", access: accessKey, handle: s.deleteAssistant,
			doc: routeDoc{tag: "assistants", summary: "Delete an assistant", response: deleted{}, errors: []int{404}}},

		{method: "POST", path: v1 + "/knowledge/files", collection: true, access: accessKey, handle: s.createFile,
			doc: routeDoc{tag: "knowledge", summary: "Upload a file (PDF, text, Markdown, HTML, CSV, JSON); processed in the background",
				multipart: fileForm{}, response: lorebase.KnowledgeItem{}, status: http.StatusAccepted, errors: []int{400, 413, 415, 422}}},
		{method: "POST", path: v1 + "/knowledge/qa", aliases: []string{v1 + "/knowledge/qas"}, collection: true, access: accessKey, handle: s.createQA,
			doc: routeDoc{tag: "knowledge", summary: "Add a curated question and answer", request: qaInput{}, response: lorebase.KnowledgeItem{},
				status: http.StatusAccepted, errors: []int{400, 413, 415, 422}}},
		{method: "POST", path: v1 + "/knowledge/urls", collection: true, access: accessKey, handle: s.createURL,
			doc: routeDoc{tag: "knowledge", summary: "Add a web site to crawl", request: urlInput{}, response: lorebase.KnowledgeItem{},
				status: http.StatusAccepted, errors: []int{400, 413, 415, 422}}},
		{method: "GET", path: v1 + "/knowledge", collection: true, access: accessKey, handle: s.listKnowledge,
			doc: routeDoc{tag: "knowledge", summary: "List knowledge items", response: lorebase.KnowledgeItem{}, list: true,
				params: []queryParam{{"type", "string", "file, qa or url"}, {"status", "string", "pending, processing, ready or failed"}}}},
	}
	for _, kind := range []string{"files", "qa", "qas", "urls"} {
		routes = append(routes, route{method: "GET", path: v1 + "/knowledge/" + kind, collection: true, access: accessKey, handle: s.listKnowledge,
			doc: routeDoc{tag: "knowledge", summary: "List knowledge items of one type", response: lorebase.KnowledgeItem{}, list: true,
				params: []queryParam{{"status", "string", "pending, processing, ready or failed"}}}})
	}
	for _, base := range []string{v1 + "/knowledge/{id}", v1 + "/knowledge/{kind}/{id}"} {
		routes = append(routes,
			route{method: "GET", path: base, access: accessKey, handle: s.getKnowledge,
				doc: routeDoc{tag: "knowledge", summary: "Get a knowledge item with its status and progress", response: lorebase.KnowledgeItem{}, errors: []int{404}}},
			route{method: "PATCH", path: base, access: accessKey, handle: s.patchKnowledge,
				doc: routeDoc{tag: "knowledge", summary: "Change a knowledge item (changing what is indexed reindexes it)", request: knowledgePatchInput{},
					response: lorebase.KnowledgeItem{}, errors: []int{400, 404, 415, 422}}},
			route{method: "DELETE", path: base, access: accessKey, handle: s.deleteKnowledge,
				doc: routeDoc{tag: "knowledge", summary: "Delete a knowledge item; its chunks leave retrieval at once", response: deleted{}, errors: []int{404}}},
			route{method: "POST", path: base + "/reindex", access: accessKey, handle: s.reindexKnowledge,
				doc: routeDoc{tag: "knowledge", summary: "Process a knowledge item again", response: lorebase.KnowledgeItem{}, status: http.StatusAccepted, errors: []int{404}}},
		)
	}
	return routes
}

// deleted is the data of a successful DELETE.
type deleted struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// RouteInfo names an endpoint, for tests and tools.
type RouteInfo struct{ Method, Path string }

// Routes lists every endpoint path, trailing-slash forms and aliases included.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.routes {
		for _, p := range append([]string{rt.path}, rt.aliases...) {
			out = append(out, RouteInfo{rt.method, p})
			if rt.collection {
				out = append(out, RouteInfo{rt.method, p + "/"})
			}
		}
	}
	return out
}
