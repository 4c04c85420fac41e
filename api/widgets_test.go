package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lorebase/lorebase"
)

const (
	testShop       = "https://shop.example"
	testWidgetHost = "https://widget.example"
)

func withWidgetHosts(hosts ...string) func(*env) { return func(e *env) { e.widgetHosts = hosts } }

// embedded is the headers of a widget iframe served from the widget host on page.
func embedded(host, page string) []reqOpt {
	opts := []reqOpt{withHeader("Origin", host)}
	if page != "" {
		opts = append(opts, withHeader("X-Embed-Origin", page))
	}
	return opts
}

func embedToken(t *testing.T, e *env, clientID string, opts ...reqOpt) (*response, string) {
	t.Helper()
	r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": clientID}, opts...)
	var tok struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(r.Body, &tok)
	return r, tok.Token
}

func errorCode(t *testing.T, r *response) string {
	t.Helper()
	var d struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Data, &d)
	return d.Code
}

// TestWidgetHostEmbedOrigin: a widget iframe on a configured widget host gets a token for the
// page in X-Embed-Origin, bound to both, and CORS; every other way to claim a page origin fails.
func TestWidgetHostEmbedOrigin(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost+"/"))
	a := e.assistant(e.org, `{"name":"Helper"}`)

	r, token := embedToken(t, e, e.org.ClientID, embedded(testWidgetHost, testShop)...)
	if r.HTTP.StatusCode != http.StatusOK || token == "" {
		t.Fatalf("token through the widget host: %d %s", r.HTTP.StatusCode, r.Body)
	}
	if got := r.HTTP.Header.Get("Access-Control-Allow-Origin"); got != testWidgetHost {
		t.Errorf("token answer CORS origin %q, want the widget host", got)
	}
	claims := decodeClaims(t, token)
	if claims["origin"] != testShop || claims["wh"] != testWidgetHost {
		t.Fatalf("claims %v: want the page origin and the widget host", claims)
	}
	asWidget := append([]reqOpt{withBearer(token)}, embedded(testWidgetHost, testShop)...)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, asWidget...), http.StatusOK)
	r = e.call("POST", "/api/v1/sessions/", map[string]any{"assistant_id": a.ID}, asWidget...)
	expect(t, r, http.StatusCreated)

	// Renewing through the same host keeps the visitor.
	r, renewed := embedToken(t, e, e.org.ClientID, append(embedded(testWidgetHost, testShop), withBearer(token))...)
	if r.HTTP.StatusCode != http.StatusOK || decodeClaims(t, renewed)["sub"] != claims["sub"] {
		t.Fatalf("renewal: %d %s", r.HTTP.StatusCode, r.Body)
	}

	// The widget host's preflight is answered and allows X-Embed-Origin; another origin's is not.
	pre := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/v1/auth/widget-token", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, x-embed-origin, authorization")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	res := pre(testWidgetHost)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != testWidgetHost ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "X-Embed-Origin") || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("widget host preflight: %d %v", res.StatusCode, res.Header)
	}
	if res := pre("https://evil.example"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unknown origin's preflight is allowed: %v", res.Header)
	}

	// Refusals when issuing.
	for _, c := range []struct {
		name string
		opts []reqOpt
		code string
	}{
		{"another origin claims the shop page", embedded("https://evil.example", testShop), "origin_not_allowed"},
		{"X-Embed-Origin without Origin", []reqOpt{withHeader("X-Embed-Origin", testShop)}, "missing_origin_header"},
		{"widget host without X-Embed-Origin", embedded(testWidgetHost, ""), "missing_origin_header"},
		{"widget host on a page that is not allowed", embedded(testWidgetHost, "https://other.example"), "origin_not_allowed"},
		{"X-Embed-Origin with a path", embedded(testWidgetHost, testShop+"/checkout"), "origin_not_allowed"},
		{"the widget host as its own page", embedded(testWidgetHost, testWidgetHost), "origin_not_allowed"},
	} {
		r, tok := embedToken(t, e, e.org.ClientID, c.opts...)
		if r.HTTP.StatusCode != http.StatusBadRequest || tok != "" || errorCode(t, r) != c.code {
			t.Errorf("%s: %d %s, want 400 %s", c.name, r.HTTP.StatusCode, r.Body, c.code)
		}
	}

	// Refusals when using the token: the page and the host are both bound.
	for _, c := range []struct {
		name string
		opts []reqOpt
	}{
		{"another page through the widget host", embedded(testWidgetHost, "https://other.example")},
		{"the widget host without X-Embed-Origin", embedded(testWidgetHost, "")},
		{"the shop page directly, not through the widget host", []reqOpt{withHeader("Origin", testShop)}},
		{"another origin claiming the shop page", embedded("https://evil.example", testShop)},
		{"no origin at all", nil},
	} {
		r := e.call("GET", "/api/v1/assistants/"+a.ID, nil, append([]reqOpt{withBearer(token)}, c.opts...)...)
		expect(t, r, http.StatusForbidden)
	}

	// A server without widget hosts ignores X-Embed-Origin from that host.
	other := setup(t)
	r, _ = embedToken(t, other, other.org.ClientID, embedded(testWidgetHost, testShop)...)
	if r.HTTP.StatusCode != http.StatusBadRequest || errorCode(t, r) != "origin_not_allowed" {
		t.Errorf("no widget hosts configured: %d %s", r.HTTP.StatusCode, r.Body)
	}
	if r.HTTP.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS granted to an unconfigured widget host")
	}
}

func widgetConfig(t *testing.T, e *env, tn tenant, body any) lorebase.WidgetConfig {
	t.Helper()
	r := e.call("POST", "/api/v1/widget-configs/", body, withKey(tn))
	expect(t, r, http.StatusCreated)
	var c lorebase.WidgetConfig
	r.data(&c)
	return c
}

func fieldErrors(r *response) map[string]bool {
	var d struct {
		Errors []lorebase.FieldError `json:"errors"`
	}
	_ = json.Unmarshal(r.Data, &d)
	out := map[string]bool{}
	for _, f := range d.Errors {
		out[f.Field] = true
	}
	return out
}

func TestWidgetConfigs(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost))
	a := e.assistant(e.org, `{"name":"Helper"}`)
	key := withKey(e.org)

	// Defaults on create: only the assistant is needed.
	c := widgetConfig(t, e, e.org, map[string]any{"assistant_id": a.ID})
	def := lorebase.NewWidgetConfig()
	if c.ID == "" || c.AssistantID != a.ID || c.WidgetType != "chat" || c.PrimaryColor != def.PrimaryColor || c.Position != "bottom-right" ||
		c.Title["en"] == "" || c.GreetingMessage.Text["en"] == "" || c.Opacity != 1 || c.FontSize != def.FontSize || !c.ShowTypingIndicator {
		t.Fatalf("defaults: %+v", c)
	}
	// Every field given.
	full := map[string]any{"assistant_id": a.ID, "name": "Shop widget", "widget_type": "chat", "primary_color": "#ff6600", "secondary_color": "#333",
		"background_color": "#FAFAFA", "text_color": "#111111", "border_radius": 8, "start_open": true, "hide_on_mobile": true,
		"title": map[string]string{"en": "Help", "pt-BR": "Ajuda"}, "subtitle": map[string]string{"en": "Ask away"}, "placeholder": map[string]string{"en": "Type…"},
		"greeting_message": map[string]any{"text": map[string]string{"en": "Hello!", "pt-BR": "Olá!"}}, "default_language": "pt-BR",
		"font_family": "Inter, 'Helvetica Neue', sans-serif", "font_size": 15, "font_weight": 600, "position": "top-left", "edge_offset": 32,
		"button_size": "lg", "message_bubble_radius": 16, "button_border_radius": 24, "opacity": 0.9, "shadow_intensity": "lg",
		"shadow_color": "#000", "show_timestamps": true, "show_typing_indicator": false, "widget_width": 400, "widget_height": 640}
	c2 := widgetConfig(t, e, e.org, full)
	if c2.FontWeight != "600" || c2.Title["pt-BR"] != "Ajuda" || c2.Position != "top-left" || !c2.StartOpen || c2.ShowTypingIndicator || c2.Opacity != 0.9 {
		t.Fatalf("full config: %+v", c2)
	}

	// Validation names every bad field at once.
	bad := map[string]any{"assistant_id": a.ID, "widget_type": "popup", "primary_color": "red", "secondary_color": "#12345", "background_color": "#ggg",
		"text_color": "", "shadow_color": "rgb(0,0,0)", "border_radius": -1, "message_bubble_radius": 99, "button_border_radius": 1000,
		"font_size": 3, "edge_offset": 5000, "widget_width": 10, "widget_height": 5000, "opacity": 1.5, "position": "middle",
		"button_size": "huge", "shadow_intensity": "extreme", "font_weight": 750, "font_family": "x; } body { display:none",
		"default_language": "english please", "title": map[string]string{"not a language": "x"}, "subtitle": map[string]string{"en": strings.Repeat("a", 201)},
		"placeholder": map[string]string{"en<script>": "x"}, "greeting_message": map[string]any{"text": map[string]string{"en": strings.Repeat("g", 2001)}}}
	r := e.call("POST", "/api/v1/widget-configs", bad, key)
	expect(t, r, http.StatusUnprocessableEntity)
	got := map[string]bool{}
	for f := range fieldErrors(r) {
		got[f] = true
		if i := strings.LastIndex(f, "."); i > 0 && (strings.HasSuffix(f, ".en") || strings.HasSuffix(f, ".pt-BR")) {
			got[f[:i]] = true // per-language errors name the key
		}
	}
	for _, f := range []string{"widget_type", "primary_color", "secondary_color", "background_color", "text_color", "shadow_color", "border_radius",
		"message_bubble_radius", "button_border_radius", "font_size", "edge_offset", "widget_width", "widget_height", "opacity", "position",
		"button_size", "shadow_intensity", "font_weight", "font_family", "default_language", "title", "subtitle", "placeholder", "greeting_message.text"} {
		if !got[f] {
			t.Errorf("no error for %s: %s", f, r.Body)
		}
	}
	for body, field := range map[string]string{
		`{}`: "assistant_id",
		`{"assistant_id":"` + a.ID + `","border_radius":"8px"}`:   "border_radius",
		`{"assistant_id":"` + a.ID + `","title":"Help"}`:          "title",
		`{"assistant_id":"` + a.ID + `","font_weight":true}`:      "font_weight",
		`{"assistant_id":"00000000-0000-4000-8000-000000000000"}`: "assistant_id",
		`{"assistant_id":"not-a-uuid"}`:                           "assistant_id",
	} {
		r := e.call("POST", "/api/v1/widget-configs", body, key)
		expect(t, r, http.StatusUnprocessableEntity)
		if !fieldErrors(r)[field] {
			t.Errorf("%s: no error for %s: %s", body, field, r.Body)
		}
	}

	// Another organization's assistant cannot be named, and its configs are invisible.
	b := e.newTenant("Globex", "https://b.example")
	bA := e.assistant(b, `{"name":"Beta"}`)
	r = e.call("POST", "/api/v1/widget-configs", map[string]any{"assistant_id": bA.ID}, key)
	expect(t, r, http.StatusUnprocessableEntity)
	bc := widgetConfig(t, e, b, map[string]any{"assistant_id": bA.ID})
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		expect(t, e.call(m, "/api/v1/widget-configs/"+bc.ID, `{"name":"x"}`, key), http.StatusNotFound)
	}
	expect(t, e.call("GET", "/widget-config/"+bc.ID, nil, key), http.StatusNotFound)

	// List, filtered by assistant.
	r = e.call("GET", "/api/v1/widget-configs/?assistant_id="+a.ID, nil, key)
	expect(t, r, http.StatusOK)
	var list struct {
		Items []lorebase.WidgetConfig `json:"items"`
		Total int                     `json:"total"`
	}
	r.data(&list)
	if list.Total != 2 || len(list.Items) != 2 {
		t.Fatalf("list: %s", r.Body)
	}

	// PATCH changes only what it names, validates, and can move the config to another assistant.
	a2 := e.assistant(e.org, `{"name":"Second"}`)
	r = e.call("PATCH", "/api/v1/widget-configs/"+c2.ID, map[string]any{"primary_color": "#00aa00", "assistant_id": a2.ID, "title": map[string]string{"de": "Hilfe"}}, key)
	expect(t, r, http.StatusOK)
	var p lorebase.WidgetConfig
	r.data(&p)
	if p.PrimaryColor != "#00aa00" || p.AssistantID != a2.ID || p.Position != "top-left" || p.Title["de"] != "Hilfe" || p.Title["en"] != "" || p.FontWeight != "600" {
		t.Fatalf("patched: %+v", p)
	}
	r = e.call("PATCH", "/api/v1/widget-configs/"+c2.ID, map[string]any{"position": "center", "primary_color": "blue"}, key)
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("PATCH", "/api/v1/widget-configs/"+c2.ID, map[string]any{"assistant_id": bA.ID}, key)
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("GET", "/api/v1/widget-configs/"+c2.ID, nil, key)
	expect(t, r, http.StatusOK)
	r.data(&p)
	if p.PrimaryColor != "#00aa00" || p.Position != "top-left" || p.AssistantID != a2.ID {
		t.Fatalf("a refused PATCH changed the config: %+v", p)
	}

	// The widget reads it with its token, on the root path and under /api/v1; variants are empty.
	_, token := embedToken(t, e, e.org.ClientID, embedded(testWidgetHost, testShop)...)
	asWidget := append([]reqOpt{withBearer(token)}, embedded(testWidgetHost, testShop)...)
	for _, path := range []string{"/widget-config/" + c2.ID + "?visitor_id=v-1", "/api/v1/widget-config/" + c2.ID} {
		r = e.call("GET", path, nil, asWidget...)
		expect(t, r, http.StatusOK)
		var raw map[string]any
		r.data(&raw)
		for _, f := range []string{"id", "assistant_id", "widget_type", "primary_color", "secondary_color", "background_color", "text_color",
			"border_radius", "start_open", "hide_on_mobile", "title", "subtitle", "placeholder", "greeting_message", "default_language",
			"font_family", "font_size", "font_weight", "position", "edge_offset", "button_size", "message_bubble_radius", "button_border_radius",
			"opacity", "shadow_intensity", "shadow_color", "show_timestamps", "show_typing_indicator"} {
			if _, ok := raw[f]; !ok {
				t.Errorf("%s: no %s in %s", path, f, r.Body)
			}
		}
		if r.HTTP.Header.Get("Access-Control-Allow-Origin") != testWidgetHost {
			t.Errorf("%s: no CORS for the widget host", path)
		}
	}
	for _, path := range []string{"/widget-config/" + c2.ID + "/variants/", "/api/v1/widget-config/" + c2.ID + "/variants"} {
		r = e.call("GET", path, nil, asWidget...)
		expect(t, r, http.StatusOK)
		var v struct {
			Items []any `json:"items"`
			Total int   `json:"total"`
		}
		r.data(&v)
		if v.Items == nil || len(v.Items) != 0 || v.Total != 0 {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
	// A widget token cannot manage configs, nor read another organization's.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/widget-configs"}, {"POST", "/api/v1/widget-configs"}, {"GET", "/api/v1/widget-configs/" + c2.ID},
		{"PATCH", "/api/v1/widget-configs/" + c2.ID}, {"DELETE", "/api/v1/widget-configs/" + c2.ID},
	} {
		expect(t, e.call(c.method, c.path, map[string]any{"assistant_id": a.ID, "name": "by widget"}, asWidget...), http.StatusForbidden)
	}
	expect(t, e.call("GET", "/widget-config/"+bc.ID, nil, asWidget...), http.StatusNotFound)
	expect(t, e.call("GET", "/widget-config/"+bc.ID+"/variants", nil, asWidget...), http.StatusNotFound)
	expect(t, e.call("GET", "/widget-config/not-an-id", nil, asWidget...), http.StatusNotFound)

	// Delete; deleting the assistant deletes its configs.
	r = e.call("DELETE", "/api/v1/widget-configs/"+c2.ID, nil, key)
	expect(t, r, http.StatusOK)
	expect(t, e.call("GET", "/widget-config/"+c2.ID, nil, asWidget...), http.StatusNotFound)
	expect(t, e.call("DELETE", "/api/v1/assistants/"+a.ID, nil, key), http.StatusOK)
	expect(t, e.call("GET", "/api/v1/widget-configs/"+c.ID, nil, key), http.StatusNotFound)

	// The OpenAPI document describes the routes.
	r = e.call("GET", "/api/v1/openapi.json", nil)
	for _, path := range []string{`"/api/v1/widget-configs/"`, `"/api/v1/widget-configs/{id}"`, `"/widget-config/{id}"`, `"/widget-config/{id}/variants/"`,
		`"/api/v1/feedback/"`, `"/api/v1/message/{id}/feedback"`, `"/api/v1/messages/{id}/feedback"`, `"/telemetry/events/"`, `"primary_color"`,
		`"session_id"`, `"messages"`} {
		if !strings.Contains(string(r.Body), path) {
			t.Errorf("OpenAPI document lacks %s", path)
		}
	}
}

// TestOpenAPIDescribesWidgetResponses checks real answers of the widget routes against the
// schemas the OpenAPI document gives them.
func TestOpenAPIDescribesWidgetResponses(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost))
	r := e.call("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	a := e.assistant(e.org, `{"name":"Helper"}`)
	key := withKey(e.org)
	visitor := widgetVisitor(t, e, e.org)
	cfg := e.call("POST", "/api/v1/widget-configs", map[string]any{"assistant_id": a.ID, "font_weight": 700}, key)
	var c lorebase.WidgetConfig
	cfg.data(&c)
	s := openSession(t, e, a.ID, visitor...)
	rep := ask(t, e, s.ID, "Hello there", visitor...)
	samples := []struct {
		method, docPath string
		status          int
		res             *response
	}{
		{"POST", "/api/v1/widget-configs", 201, cfg},
		{"GET", "/api/v1/widget-configs", 200, e.call("GET", "/api/v1/widget-configs", nil, key)},
		{"PATCH", "/api/v1/widget-configs/{id}", 200, e.call("PATCH", "/api/v1/widget-configs/"+c.ID, map[string]any{"font_weight": "bold"}, key)},
		{"POST", "/api/v1/widget-configs", 422, e.call("POST", "/api/v1/widget-configs", map[string]any{"assistant_id": a.ID, "opacity": 3}, key)},
		{"GET", "/widget-config/{id}", 200, e.call("GET", "/widget-config/"+c.ID, nil, visitor...)},
		{"GET", "/widget-config/{id}/variants/", 200, e.call("GET", "/widget-config/"+c.ID+"/variants/", nil, visitor...)},
		{"PATCH", "/api/v1/sessions/{id}", 200, e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"x": 1}}, visitor...)},
		{"GET", "/api/v1/sessions/{id}/feedback", 200, e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, visitor...)},
		{"POST", "/api/v1/sessions/{id}/feedback", 201, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 4}, visitor...)},
		{"GET", "/api/v1/sessions/{id}/feedback", 200, e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, visitor...)},
		{"POST", "/api/v1/message/{id}/feedback", 201, e.call("POST", "/api/v1/message/"+rep.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "negative"}, visitor...)},
		{"GET", "/api/v1/feedback", 200, e.call("GET", "/api/v1/feedback", nil, key)},
		{"GET", "/api/v1/knowledge/gaps", 200, e.call("GET", "/api/v1/knowledge/gaps", nil, key)},
		{"POST", "/telemetry/events", 202, e.call("POST", "/telemetry/events", `{"event":"x"}`)},
		{"POST", "/telemetry/events", 413, e.call("POST", "/telemetry/events", `{"x":"`+strings.Repeat("a", 70<<10)+`"}`)},
	}
	for _, s := range samples {
		op := doc.Paths[s.docPath][strings.ToLower(s.method)]
		resp, _ := op["responses"].(map[string]any)[strconv.Itoa(s.status)].(map[string]any)
		if resp == nil || s.res.HTTP.StatusCode != s.status {
			t.Errorf("%s %s: status %d (got %d) not documented: %s", s.method, s.docPath, s.status, s.res.HTTP.StatusCode, s.res.Body)
			continue
		}
		schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var body any
		_ = json.Unmarshal(s.res.Body, &body)
		if err := conforms(schema, body, "$"); err != "" {
			t.Errorf("%s %s %d: %s", s.method, s.docPath, s.status, err)
		}
	}
}
