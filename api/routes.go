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

		{method: "POST", path: v1 + "/sessions", collection: true, access: accessWidget, handle: s.createSession,
			doc: routeDoc{tag: "sessions", summary: "Open an anonymous visitor session", request: sessionInput{}, response: sessionView{},
				status: http.StatusCreated, errors: []int{400, 415, 422}}},
		{method: "GET", path: v1 + "/sessions/{id}", access: accessWidget, handle: s.getThread(lorebase.ThreadSession),
			doc: routeDoc{tag: "sessions", summary: "Get a session (410 once expired)", response: sessionView{}, errors: []int{404, 410}}},
		{method: "GET", path: v1 + "/sessions/{id}/messages", collection: true, access: accessWidget, handle: s.listMessages(lorebase.ThreadSession),
			doc: routeDoc{tag: "sessions", summary: "List a session's messages, oldest first (items, and the same array as messages)", response: messagePage{},
				params: pageQuery, errors: []int{404, 410}}},
		{method: "PATCH", path: v1 + "/sessions/{id}", access: accessWidget, handle: s.patchSession,
			doc: routeDoc{tag: "sessions", summary: "Merge metadata into a session (widget token of that session, or the key pair)", request: sessionPatchInput{},
				response: sessionView{}, errors: []int{400, 404, 410, 413, 415, 422}}},
		{method: "POST", path: v1 + "/sessions/{id}/feedback", collection: true, access: accessWidget, handle: s.rateSession,
			doc: routeDoc{tag: "feedback", summary: "Rate a session 1-5 with an optional comment (201 first time, 200 when it replaces the earlier rating)",
				request: sessionFeedbackInput{}, response: lorebase.Feedback{}, status: http.StatusCreated, errors: []int{400, 404, 410, 415, 422}}},
		{method: "GET", path: v1 + "/sessions/{id}/feedback", collection: true, access: accessWidget, handle: s.sessionFeedback,
			doc: routeDoc{tag: "feedback", summary: "A session's rating, if any", response: sessionFeedbackView{}, errors: []int{404, 410}}},
		{method: "POST", path: v1 + "/message/{id}/feedback", aliases: []string{v1 + "/messages/{id}/feedback"}, collection: true, access: accessWidget, handle: s.rateMessage,
			doc: routeDoc{tag: "feedback", summary: "Thumb an assistant message up or down (201 first time, 200 when it replaces the earlier one); a negative thumb on an ungrounded answer becomes a knowledge gap",
				request: messageFeedbackInput{}, response: lorebase.Feedback{}, status: http.StatusCreated, errors: []int{400, 404, 415, 422}}},
		{method: "GET", path: v1 + "/feedback", collection: true, access: accessKey, handle: s.listFeedback,
			doc: routeDoc{tag: "feedback", summary: "Feedback, newest first, with the question, the answer and its sources", response: lorebase.Feedback{}, list: true,
				params: []queryParam{{"assistant_id", "string", "only this assistant's"}, {"type", "string", "session, message, positive or negative"},
					{"feedback_type", "string", "positive or negative"}, {"from", "string", "given at or after this date (2006-01-02) or RFC 3339 time"},
					{"to", "string", "given before this RFC 3339 time, or on or before this date"}}, errors: []int{422}}},

		{method: "GET", path: v1 + "/widget-configs", collection: true, access: accessKey, handle: s.listWidgetConfigs,
			doc: routeDoc{tag: "widgets", summary: "List widget configurations", response: lorebase.WidgetConfig{}, list: true,
				params: []queryParam{{"assistant_id", "string", "only this assistant's"}}}},
		{method: "POST", path: v1 + "/widget-configs", collection: true, access: accessKey, handle: s.createWidgetConfig,
			doc: routeDoc{tag: "widgets", summary: "Create a widget configuration for an assistant (every field but assistant_id has a default)",
				request: lorebase.WidgetConfigPatch{}, response: lorebase.WidgetConfig{}, status: http.StatusCreated, errors: []int{400, 413, 415, 422}}},
		{method: "GET", path: v1 + "/widget-configs/{id}", access: accessKey, handle: s.getWidgetConfig,
			doc: routeDoc{tag: "widgets", summary: "Get a widget configuration", response: lorebase.WidgetConfig{}, errors: []int{404}}},
		{method: "PATCH", path: v1 + "/widget-configs/{id}", access: accessKey, handle: s.patchWidgetConfig,
			doc: routeDoc{tag: "widgets", summary: "Change a widget configuration (text maps are replaced whole)", request: lorebase.WidgetConfigPatch{},
				response: lorebase.WidgetConfig{}, errors: []int{400, 404, 415, 422}}},
		{method: "DELETE", path: v1 + "/widget-configs/{id}", access: accessKey, handle: s.deleteWidgetConfig,
			doc: routeDoc{tag: "widgets", summary: "Delete a widget configuration", response: deleted{}, errors: []int{404}}},
		{method: "GET", path: "/widget-config/{id}", aliases: []string{v1 + "/widget-config/{id}"}, access: accessWidget, handle: s.getWidgetConfig,
			doc: routeDoc{tag: "widgets", summary: "The configuration an embedded widget loads (widget token or key pair); query visitor_id is accepted",
				response: lorebase.WidgetConfig{}, params: []queryParam{{"visitor_id", "string", "the visitor, for variant selection (no variants yet)"}}, errors: []int{404}}},
		{method: "GET", path: "/widget-config/{id}/variants", aliases: []string{v1 + "/widget-config/{id}/variants"}, collection: true, access: accessWidget,
			handle: s.listWidgetConfigVariants,
			doc:    routeDoc{tag: "widgets", summary: "A widget configuration's A/B variants (always empty for now)", response: widgetConfigVariant{}, list: true, errors: []int{404}}},
		{method: "POST", path: "/telemetry/events", collection: true, access: accessPublic, handle: s.acceptTelemetry,
			doc: routeDoc{tag: "widgets", summary: "Accept widget telemetry: one event, an array, or {events:[...]}; counted in metrics, not stored (64 KiB body)",
				request: telemetryEvent{}, response: telemetryAccepted{}, status: http.StatusAccepted, errors: []int{400, 413, 415, 429}}},
		{method: "POST", path: v1 + "/sessions/{id}/messages", collection: true, access: accessWidget, handle: s.sendMessage(lorebase.ThreadSession),
			doc: routeDoc{tag: "sessions", summary: "Send a message and get the grounded reply (SSE with Accept: text/event-stream)",
				request: messageInput{}, response: messageReply{}, sse: true, errors: []int{400, 404, 409, 410, 415, 422, 502, 504}}},

		{method: "GET", path: v1 + "/conversations", collection: true, access: accessKey, handle: s.listConversations,
			doc: routeDoc{tag: "conversations", summary: "List conversations", response: conversationView{}, list: true,
				params: []queryParam{{"customer_id", "string", "only this customer's"}, {"assistant_id", "string", "only this assistant's"}}}},
		{method: "POST", path: v1 + "/conversations", collection: true, access: accessKey, handle: s.createConversation,
			doc: routeDoc{tag: "conversations", summary: "Open a conversation with a known customer", request: conversationInput{},
				response: conversationView{}, status: http.StatusCreated, errors: []int{400, 415, 422}}},
		{method: "GET", path: v1 + "/conversations/{id}", access: accessKey, handle: s.getThread(lorebase.ThreadConversation),
			doc: routeDoc{tag: "conversations", summary: "Get a conversation", response: conversationView{}, errors: []int{404}}},
		{method: "GET", path: v1 + "/conversations/{id}/messages", collection: true, access: accessKey, handle: s.listMessages(lorebase.ThreadConversation),
			doc: routeDoc{tag: "conversations", summary: "List a conversation's messages, oldest first", response: lorebase.Message{}, list: true, errors: []int{404}}},
		{method: "POST", path: v1 + "/conversations/{id}/messages", collection: true, access: accessKey, handle: s.sendMessage(lorebase.ThreadConversation),
			doc: routeDoc{tag: "conversations", summary: "Send a message and get the grounded reply (SSE with Accept: text/event-stream)",
				request: messageInput{}, response: messageReply{}, sse: true, errors: []int{400, 404, 409, 415, 422, 502, 504}}},

		{method: "GET", path: v1 + "/contexts", collection: true, access: accessKey, handle: s.listContexts,
			doc: routeDoc{tag: "contexts", summary: "List user contexts", response: lorebase.UserContext{}, list: true}},
		{method: "POST", path: v1 + "/contexts", collection: true, access: accessKey, handle: s.upsertContext,
			doc: routeDoc{tag: "contexts", summary: "Create a user context, or replace its traits (201 created, 200 updated)", request: contextInput{},
				response: lorebase.UserContext{}, status: http.StatusCreated, errors: []int{400, 415, 422}}},
		{method: "GET", path: v1 + "/contexts/{ref}", access: accessKey, handle: s.getContext,
			doc: routeDoc{tag: "contexts", summary: "Get a user context by id or user reference", response: lorebase.UserContext{}, errors: []int{404}}},
		{method: "PATCH", path: v1 + "/contexts/{ref}", access: accessKey, handle: s.patchContext,
			doc: routeDoc{tag: "contexts", summary: "Merge traits into a user context", request: contextInput{}, response: lorebase.UserContext{}, errors: []int{400, 404, 415, 422}}},
		{method: "DELETE", path: v1 + "/contexts/{ref}", access: accessKey, handle: s.deleteContext,
			doc: routeDoc{tag: "contexts", summary: "Delete a user context", response: deleted{}, errors: []int{404}}},

		{method: "GET", path: v1 + "/knowledge/gaps", collection: true, access: accessKey, handle: s.listGaps,
			doc: routeDoc{tag: "knowledge", summary: "Questions the knowledge base could not answer, newest first", response: lorebase.KnowledgeGap{}, list: true}},
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

// pageQuery documents ?page=&page_size= on routes whose data is not a plain list.
var pageQuery = []queryParam{{"page", "integer", "1-based page, default 1"}, {"page_size", "integer", "1-100, default 20"}}

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
