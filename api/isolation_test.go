package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lorebase/lorebase"
)

// isolationWorld is organization A's data, seen from organization B.
type isolationWorld struct {
	a, b tenant
	// ids of A's resources, by path parameter.
	assistantID, sessionID, conversationID, contextID, contextRef string
	items                                                         map[string]string // item type → id
	// markers are strings only A's data contains: ids, titles, texts, traits, metadata.
	markers []string
	// A's state before B's attempts, to prove nothing changed.
	conversationMessages, sessionMessages int

	// widgetConfigID is A's widget configuration; messageID an assistant message of A's session.
	widgetConfigID, messageID string
}

const (
	alphaAssistantName = "Alpha Persona Quasar"
	alphaHandbookTitle = "Alpha handbook"
	alphaVaultCode     = "heliotrope-4471"
	alphaQAAnswer      = "The alpha launch codename is Blue Falcon 9931."
	alphaURLTitle      = "Alpha intranet"
	alphaURLText       = "The alpha intranet lists the escrow account marigold-6620."
	alphaTrait         = "ultraviolet-5521"
	alphaConvTitle     = "Alpha escalation thread"
	alphaSessionMeta   = "session-meta-8812"
	alphaGapQuestion   = "What colour is the zebra-quokka-3141 mascot?"
	betaOrigin         = "https://b.example"
	alphaWidgetName    = "Alpha widget nebula-7719"
	alphaRating        = "alpha rating comment 5530"
	alphaThumb         = "alpha thumb comment 6642"
)

// buildIsolationWorld gives A and B the same store policy, FAQ and manual (identical text), and
// A also an assistant, a session, a conversation with messages, a context, a gap and items of
// every type whose texts only A holds.
func buildIsolationWorld(t *testing.T, e *env) *isolationWorld {
	t.Helper()
	w := &isolationWorld{a: e.org, b: e.newTenant("Globex", betaOrigin), items: map[string]string{}}
	key := withKey(w.a)

	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, "<html><head><title>%s</title></head><body><main><h1>%s</h1><p>%s</p></main></body></html>", alphaURLTitle, alphaURLTitle, alphaURLText)
	}))
	t.Cleanup(site.Close)

	pdfID, qaID := e.knowledgeBase(w.a)
	e.knowledgeBase(w.b)

	a := e.assistant(w.a, fmt.Sprintf(`{"name":%q,"description":"alpha only","default_tasks":["alpha duties"]}`, alphaAssistantName))
	w.assistantID = a.ID

	r := e.upload(w.a, alphaHandbookTitle, "markdown", "alpha.md", []byte("# Alpha handbook\n\nThe alpha vault code is "+alphaVaultCode+" and must never leave the alpha team.\n"))
	expect(t, r, http.StatusAccepted)
	var md lorebase.KnowledgeItem
	r.data(&md)
	r = e.call("POST", "/api/v1/knowledge/qa", map[string]any{"question": "What is the alpha launch codename?", "answer": alphaQAAnswer}, key)
	expect(t, r, http.StatusAccepted)
	var qa lorebase.KnowledgeItem
	r.data(&qa)
	r = e.call("POST", "/api/v1/knowledge/urls", map[string]any{"url": site.URL + "/", "title": alphaURLTitle, "max_depth": 0, "max_pages": 1}, key)
	expect(t, r, http.StatusAccepted)
	var url lorebase.KnowledgeItem
	r.data(&url)
	for _, id := range []string{md.ID, qa.ID, url.ID} {
		if it := e.waitItem(w.a, id); it.Status != lorebase.StatusReady {
			t.Fatalf("A's item %s: %+v", id, it)
		}
	}
	w.items = map[string]string{"file": md.ID, "qa": qa.ID, "url": url.ID}

	r = e.call("POST", "/api/v1/contexts", map[string]any{"user_reference": "alpha-user-1", "traits": map[string]any{"alpha_secret": alphaTrait}}, key)
	expect(t, r, http.StatusCreated)
	var c lorebase.UserContext
	r.data(&c)
	w.contextID, w.contextRef = c.ID, c.UserReference

	r = e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": a.ID, "visitor_id": "alpha-visitor", "metadata": map[string]any{"alpha": alphaSessionMeta}}, key)
	expect(t, r, http.StatusCreated)
	var s struct{ ID string }
	r.data(&s)
	w.sessionID = s.ID
	r = e.call("POST", "/api/v1/sessions/"+s.ID+"/messages", `{"content":"How much does express delivery cost?"}`, key)
	expect(t, r, http.StatusOK)
	var sessReply reply
	r.data(&sessReply)

	r = e.call("POST", "/api/v1/conversations", map[string]any{"assistant_id": a.ID, "customer_id": "alpha-user-1", "title": alphaConvTitle, "user_context_id": "alpha-user-1"}, key)
	expect(t, r, http.StatusCreated)
	var conv struct{ ID string }
	r.data(&conv)
	w.conversationID = conv.ID
	r = e.call("POST", "/api/v1/conversations/"+conv.ID+"/messages", `{"content":"What is the alpha vault code?"}`, key)
	expect(t, r, http.StatusOK)
	var convReply reply
	r.data(&convReply)
	if !strings.Contains(convReply.AssistantMessage.Content, alphaVaultCode) {
		t.Fatalf("A cannot retrieve its own handbook: %+v", convReply.AssistantMessage)
	}
	r = e.call("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]string{"content": alphaGapQuestion}, key)
	expect(t, r, http.StatusOK)
	w.conversationMessages, w.sessionMessages = 4, 2

	r = e.call("POST", "/api/v1/widget-configs", map[string]any{"assistant_id": a.ID, "name": alphaWidgetName, "title": map[string]string{"en": alphaWidgetName}}, key)
	expect(t, r, http.StatusCreated)
	var wc lorebase.WidgetConfig
	r.data(&wc)
	w.widgetConfigID, w.messageID = wc.ID, sessReply.AssistantMessage.ID
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 5, "comment": alphaRating}, key), http.StatusCreated)
	expect(t, e.call("POST", "/api/v1/message/"+w.messageID+"/feedback", map[string]any{"feedback_type": "negative", "comment": alphaThumb}, key), http.StatusCreated)

	w.markers = []string{w.a.ID, w.a.ClientID, w.a.Secret, a.ID, alphaAssistantName, "alpha duties", pdfID, qaID, md.ID, qa.ID, url.ID,
		alphaHandbookTitle, alphaVaultCode, "Blue Falcon 9931", alphaURLTitle, "marigold-6620", site.URL,
		c.ID, "alpha-user-1", "alpha_secret", alphaTrait, s.ID, alphaSessionMeta, "alpha-visitor", conv.ID, alphaConvTitle,
		"zebra-quokka-3141", wc.ID, alphaWidgetName, alphaRating, alphaThumb, sessReply.UserMessage.ID, sessReply.AssistantMessage.ID, convReply.UserMessage.ID, convReply.AssistantMessage.ID}
	return w
}

// leaks returns A's markers found in body that the request did not itself carry (a 405 or a
// validation error may echo what the caller sent; that tells the caller nothing new).
func (w *isolationWorld) leaks(body []byte, request string) []string {
	var out []string
	for _, m := range w.markers {
		if m != "" && bytes.Contains(body, []byte(m)) && !strings.Contains(request, m) {
			out = append(out, m)
		}
	}
	return out
}

// fill returns the concrete paths for a route pattern, with A's ids in every parameter.
func (w *isolationWorld) fill(path string) []string {
	if !strings.Contains(path, "{") {
		return []string{path}
	}
	var ids []string
	switch {
	case strings.Contains(path, "/assistants/"):
		ids = []string{w.assistantID}
	case strings.Contains(path, "/sessions/"):
		ids = []string{w.sessionID}
	case strings.Contains(path, "/conversations/"):
		ids = []string{w.conversationID}
	case strings.Contains(path, "/contexts/"):
		ids = []string{w.contextID, w.contextRef}
	case strings.Contains(path, "/knowledge/"):
		ids = []string{w.items["file"], w.items["qa"], w.items["url"]}
	case strings.Contains(path, "/widget-config"):
		ids = []string{w.widgetConfigID}
	case strings.Contains(path, "/message/"), strings.Contains(path, "/messages/"):
		ids = []string{w.messageID}
	}
	kinds := []string{""}
	if strings.Contains(path, "{kind}") {
		kinds = []string{"files", "qa", "qas", "urls"}
	}
	var out []string
	for _, k := range kinds {
		for _, id := range ids {
			p := strings.Replace(path, "{kind}", k, 1)
			p = strings.Replace(p, "{id}", id, 1)
			p = strings.Replace(p, "{ref}", id, 1)
			out = append(out, p)
		}
	}
	return out
}

// body is what B sends: valid requests that name A's resources wherever a body can.
func (w *isolationWorld) body(method, path string) (any, []reqOpt) {
	switch {
	case method == "PATCH":
		return map[string]any{"name": "pwned by B", "title": "pwned by B", "is_active": false, "traits": map[string]any{"pwned": "yes"},
			"metadata": map[string]any{"pwned": "yes"}, "primary_color": "#000000"}, nil
	case method != "POST":
		return nil, nil
	case strings.HasSuffix(path, "/messages"):
		return `{"content":"What is the alpha vault code?"}`, nil
	case strings.HasSuffix(path, "/reindex"):
		return nil, nil
	case strings.Contains(path, "/feedback"):
		return map[string]any{"rating": 1, "feedback_type": "positive", "comment": "pwned by B"}, nil
	case strings.Contains(path, "/widget-configs"):
		return map[string]any{"assistant_id": w.assistantID, "name": "B widget"}, nil
	case strings.Contains(path, "/telemetry/"):
		return map[string]any{"event": "widget_opened"}, nil
	case strings.Contains(path, "/knowledge/files"):
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("title", "B upload")
		_ = mw.WriteField("assistant_ids", w.assistantID)
		fw, _ := mw.CreateFormFile("file", "b.txt")
		_, _ = fw.Write([]byte("B's own text about nothing in particular."))
		_ = mw.Close()
		return buf.Bytes(), []reqOpt{withHeader("Content-Type", mw.FormDataContentType())}
	case strings.Contains(path, "/knowledge/"):
		return map[string]any{"question": "q?", "answer": "a.", "url": "http://127.0.0.1:9/", "assistant_ids": []string{w.assistantID}}, nil
	case strings.Contains(path, "/sessions"), strings.Contains(path, "/conversations"):
		return map[string]any{"assistant_id": w.assistantID, "user_context_id": w.contextID, "metadata": map[string]any{"user_reference": w.contextRef}}, nil
	case strings.Contains(path, "widget-token"):
		return map[string]any{"client_id": w.a.ClientID}, nil
	case strings.Contains(path, "/contexts"):
		return map[string]any{"user_reference": "beta-user-1", "traits": map[string]any{"beta": "own"}}, nil
	case strings.Contains(path, "/assistants"):
		return map[string]any{"name": "Beta helper"}, nil
	}
	return `{}`, nil
}

// TestIsolationEveryRoute calls every route of the server's table with organization B's
// credentials (key pair, then a widget token of B's client) and A's ids in every path
// parameter: nothing answers 2xx, an id of A answers exactly like an id that does not exist,
// no body carries A's data, and A's resources are unchanged afterwards.
func TestIsolationEveryRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	w := buildIsolationWorld(t, e)
	_, widget := widgetToken(t, e, w.b.ClientID, betaOrigin)
	if widget == "" {
		t.Fatal("no widget token for B")
	}
	creds := []struct {
		name string
		opts []reqOpt
	}{
		{"B key pair", []reqOpt{withKey(w.b)}},
		{"B widget token", []reqOpt{withBearer(widget), withHeader("Origin", betaOrigin)}},
	}
	const missing = "00000000-0000-4000-8000-000000000000"
	routes := e.api.Routes()
	if len(routes) < 40 {
		t.Fatalf("route table lists only %d routes", len(routes))
	}
	calls := 0
	for _, cred := range creds {
		for _, rt := range routes {
			for _, path := range w.fill(rt.Path) {
				body, extra := w.body(rt.Method, path)
				opts := append(append([]reqOpt{}, cred.opts...), extra...)
				r := e.call(rt.Method, path, body, opts...)
				calls++
				sent := path + " " + fmt.Sprint(body)
				if b, ok := body.([]byte); ok {
					sent = path + " " + string(b)
				}
				if bytes.Contains(r.Body, []byte(w.a.Secret)) {
					t.Errorf("%s %s %s: response carries A's client secret", cred.name, rt.Method, path)
				}
				if l := w.leaks(r.Body, sent); len(l) > 0 {
					t.Errorf("%s %s %s: response shows A's data %q: %s", cred.name, rt.Method, path, l, r.Body)
				}
				if r.HTTP.StatusCode >= 500 {
					t.Errorf("%s %s %s: status %d: %s", cred.name, rt.Method, path, r.HTTP.StatusCode, r.Body)
				}
				if path == rt.Path { // no parameter: B's own collection, a public route, or a create naming A's ids
					if rt.Method == "POST" && r.HTTP.StatusCode < 300 && (strings.Contains(path, "/sessions") || strings.Contains(path, "/conversations") ||
						strings.Contains(path, "/knowledge/files") || strings.Contains(path, "/knowledge/qa") || strings.Contains(path, "/knowledge/urls") ||
						strings.Contains(path, "/widget-configs")) {
						t.Errorf("%s %s %s accepted A's assistant: %d %s", cred.name, rt.Method, path, r.HTTP.StatusCode, r.Body)
					}
					continue
				}
				switch r.HTTP.StatusCode {
				case http.StatusNotFound, http.StatusForbidden, http.StatusUnauthorized, http.StatusMethodNotAllowed:
				default:
					t.Errorf("%s %s %s: status %d, want 404/403: %s", cred.name, rt.Method, path, r.HTTP.StatusCode, r.Body)
					continue
				}
				if cred.name == "B key pair" && r.HTTP.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s %s: status %d, want 404", cred.name, rt.Method, path, r.HTTP.StatusCode)
				}
				if r.Status != "error" || r.StatusCode != r.HTTP.StatusCode || r.detail() == "" {
					t.Errorf("%s %s %s: not an error envelope: %s", cred.name, rt.Method, path, r.Body)
				}
				// An id of A is indistinguishable from an id nobody has.
				ghostPath := path
				for _, id := range []string{w.assistantID, w.sessionID, w.conversationID, w.contextID, w.contextRef, w.items["file"], w.items["qa"], w.items["url"],
					w.widgetConfigID, w.messageID} {
					ghostPath = strings.ReplaceAll(ghostPath, id, missing)
				}
				ghost := e.call(rt.Method, ghostPath, body, opts...)
				if ghost.HTTP.StatusCode != r.HTTP.StatusCode || ghost.detail() != r.detail() {
					t.Errorf("%s %s %s: %d %q, but an unknown id gives %d %q", cred.name, rt.Method, path,
						r.HTTP.StatusCode, r.detail(), ghost.HTTP.StatusCode, ghost.detail())
				}
			}
		}
	}
	t.Logf("%d calls over %d routes", calls, len(routes))

	// Streaming asks are refused before any event is written.
	r := e.call("POST", "/api/v1/sessions/"+w.sessionID+"/messages", `{"content":"What is the alpha vault code?"}`, withKey(w.b), withHeader("Accept", "text/event-stream"))
	expect(t, r, http.StatusNotFound)

	// A context of B with A's user reference is B's own: created, not merged into A's.
	r = e.call("POST", "/api/v1/contexts", map[string]any{"user_reference": w.contextRef, "traits": map[string]any{"beta": "own"}}, withKey(w.b))
	expect(t, r, http.StatusCreated)
	if l := w.leaks(r.Body, w.contextRef); len(l) > 0 {
		t.Errorf("B's context with A's user reference shows %q: %s", l, r.Body)
	}

	w.assertUnchanged(t, e)
}

// assertUnchanged proves B's PATCH, DELETE, reindex and message attempts did nothing to A.
func (w *isolationWorld) assertUnchanged(t *testing.T, e *env) {
	t.Helper()
	key := withKey(w.a)
	r := e.call("GET", "/api/v1/assistants/"+w.assistantID, nil, key)
	expect(t, r, http.StatusOK)
	var a lorebase.Assistant
	r.data(&a)
	if a.Name != alphaAssistantName || !a.IsActive {
		t.Errorf("A's assistant changed: %+v", a)
	}
	for typ, id := range w.items {
		r = e.call("GET", "/api/v1/knowledge/"+id, nil, key)
		expect(t, r, http.StatusOK)
		var it lorebase.KnowledgeItem
		r.data(&it)
		if strings.Contains(it.Title, "pwned") || it.Status != lorebase.StatusReady {
			t.Errorf("A's %s item changed: %+v", typ, it)
		}
	}
	r = e.call("GET", "/api/v1/widget-configs/"+w.widgetConfigID, nil, key)
	expect(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte("pwned")) || !bytes.Contains(r.Body, []byte(alphaWidgetName)) || bytes.Contains(r.Body, []byte(`"primary_color":"#000000"`)) {
		t.Errorf("A's widget config changed: %s", r.Body)
	}
	r = e.call("GET", "/api/v1/feedback?page_size=100", nil, key)
	expect(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte("pwned")) || !bytes.Contains(r.Body, []byte(alphaRating)) || !bytes.Contains(r.Body, []byte(alphaThumb)) {
		t.Errorf("A's feedback changed: %s", r.Body)
	}
	r = e.call("GET", "/api/v1/sessions/"+w.sessionID, nil, key)
	expect(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte("pwned")) || !bytes.Contains(r.Body, []byte(alphaSessionMeta)) {
		t.Errorf("A's session changed: %s", r.Body)
	}
	r = e.call("GET", "/api/v1/contexts/"+w.contextID, nil, key)
	expect(t, r, http.StatusOK)
	if bytes.Contains(r.Body, []byte("pwned")) || !bytes.Contains(r.Body, []byte(alphaTrait)) {
		t.Errorf("A's context changed: %s", r.Body)
	}
	for path, want := range map[string]int{
		"/api/v1/conversations/" + w.conversationID + "/messages": w.conversationMessages,
		"/api/v1/sessions/" + w.sessionID + "/messages":           w.sessionMessages,
	} {
		r = e.call("GET", path, nil, key)
		expect(t, r, http.StatusOK)
		var l struct{ Total int }
		r.data(&l)
		if l.Total != want {
			t.Errorf("%s: %d messages, want %d (B added some?)", path, l.Total, want)
		}
	}
}

// TestIsolationIdenticalTextRetrieval: A and B hold the same documents; B's answers, through a
// key pair or a widget session, cite only B's items, and A's own texts never reach B.
func TestIsolationIdenticalTextRetrieval(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	w := buildIsolationWorld(t, e)
	r := e.call("GET", "/api/v1/knowledge?page_size=100", nil, withKey(w.b))
	expect(t, r, http.StatusOK)
	var list struct {
		Items []lorebase.KnowledgeItem `json:"items"`
	}
	r.data(&list)
	mine := map[string]bool{}
	for _, it := range list.Items {
		mine[it.ID] = true
	}
	if len(mine) != 3 {
		t.Fatalf("B lists %d items, want its own 3: %s", len(mine), r.Body)
	}

	b := e.assistant(w.b, `{"name":"Beta helper"}`)
	_, widget := widgetToken(t, e, w.b.ClientID, betaOrigin)
	origin := withHeader("Origin", betaOrigin)
	r = e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": b.ID}, withBearer(widget), origin)
	expect(t, r, http.StatusCreated)
	var s struct{ ID string }
	r.data(&s)
	r = e.call("POST", "/api/v1/conversations", map[string]any{"assistant_id": b.ID, "user_context_id": w.contextRef}, withKey(w.b))
	expect(t, r, http.StatusCreated)
	var conv struct{ ID string }
	r.data(&conv)

	asks := []struct {
		path string
		opts []reqOpt
	}{
		{"/api/v1/sessions/" + s.ID + "/messages", []reqOpt{withBearer(widget), origin}},
		{"/api/v1/conversations/" + conv.ID + "/messages", []reqOpt{withKey(w.b)}},
	}
	for _, ask := range asks {
		for _, q := range []string{"How much does express delivery cost?", "Do you ship to Canada?", "How do I reset the router?"} {
			r = e.call("POST", ask.path, map[string]string{"content": q}, ask.opts...)
			expect(t, r, http.StatusOK)
			var rep reply
			r.data(&rep)
			if len(rep.AssistantMessage.Sources) == 0 {
				t.Errorf("%s %q: no sources: %+v", ask.path, q, rep.AssistantMessage)
			}
			for _, src := range rep.AssistantMessage.Sources {
				if !mine[src.KnowledgeID] {
					t.Errorf("%s %q cites an item that is not B's: %+v", ask.path, q, src)
				}
			}
			if l := w.leaks(r.Body, q); len(l) > 0 {
				t.Errorf("%s %q: reply shows A's data %q", ask.path, q, l)
			}
		}
		// Texts only A holds are not found at all.
		for _, q := range []string{"What is the alpha vault code?", "What is the alpha launch codename?", "Which escrow account does the alpha intranet list?"} {
			r = e.call("POST", ask.path, map[string]string{"content": q}, ask.opts...)
			expect(t, r, http.StatusOK)
			if l := w.leaks(r.Body, q); len(l) > 0 {
				t.Errorf("%s %q: reply shows A's data %q: %s", ask.path, q, l, r.Body)
			}
		}
	}
	// B's gaps are B's questions only.
	r = e.call("GET", "/api/v1/knowledge/gaps?page_size=100", nil, withKey(w.b))
	expect(t, r, http.StatusOK)
	if l := w.leaks(r.Body, ""); len(l) > 0 {
		t.Errorf("B's gaps show A's data %q", l)
	}
}

// TestIsolationWidgetTokens: a widget token of A cannot use a session A opened with its key
// pair, and a token whose organization claim was changed is refused.
func TestIsolationWidgetTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.newTenant("Globex", betaOrigin)
	const shop = "https://shop.example"
	origin := withHeader("Origin", shop)
	a := e.assistant(e.org, `{"name":"A"}`)
	r := e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": a.ID}, withKey(e.org))
	expect(t, r, http.StatusCreated)
	var s struct{ ID string }
	r.data(&s)

	_, token := widgetToken(t, e, e.org.ClientID, shop)
	if token == "" {
		t.Fatal("no widget token")
	}
	expect(t, e.call("GET", "/api/v1/sessions/"+s.ID, nil, withBearer(token), origin), http.StatusNotFound)
	expect(t, e.call("GET", "/api/v1/sessions/"+s.ID+"/messages", nil, withBearer(token), origin), http.StatusNotFound)
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/messages", `{"content":"hi"}`, withBearer(token), origin), http.StatusNotFound)
	// The key pair still reaches it, and the widget's failed sends added nothing.
	r = e.call("GET", "/api/v1/sessions/"+s.ID+"/messages", nil, withKey(e.org))
	expect(t, r, http.StatusOK)
	var l struct{ Total int }
	r.data(&l)
	if l.Total != 0 {
		t.Fatalf("session has %d messages after refused sends", l.Total)
	}

	// The same token with the org claim changed to B: the signature no longer matches.
	parts := strings.Split(token, ".")
	claims := decodeClaims(t, token)
	claims["org"] = b.ID
	payload, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	for _, path := range []string{"/api/v1/assistants/" + a.ID, "/api/v1/sessions/" + s.ID} {
		r = e.call("GET", path, nil, withBearer(tampered), origin)
		expect(t, r, http.StatusUnauthorized)
	}
	expect(t, e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": a.ID}, withBearer(tampered), origin), http.StatusUnauthorized)

	// Even a correctly signed token (a leaked server key) naming B's organization with A's
	// client is refused: the client belongs to A.
	resigned, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"org": b.ID, "cid": e.org.ClientID, "origin": shop, "scope": "widget",
		"iss": "lorebase", "sub": "v_forged", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("POST", "/api/v1/sessions", `{}`, withBearer(resigned), origin), http.StatusUnauthorized)

	// B's widget token from B's origin cannot read A's assistant.
	_, bToken := widgetToken(t, e, b.ClientID, betaOrigin)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(bToken), withHeader("Origin", betaOrigin)), http.StatusNotFound)
	// Nor can B's token be replayed from A's origin.
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(bToken), origin), http.StatusForbidden)
}
