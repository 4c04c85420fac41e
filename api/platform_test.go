package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The 1,001st request of an hour is refused with 429 and Retry-After, counted exactly while
// requests are spread over two servers on one database; another organization is unaffected.
func TestRateLimitAcrossServers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, second := e.newServer()
	other := e.newTenant("Other")
	bases := []string{e.srv.URL, second.URL}

	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > 1000 {
					return
				}
				r := e.do(bases[i%2], "GET", "/api/v1/assistants", nil, withKey(e.org))
				switch r.HTTP.StatusCode {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1000 || limited.Load() != 0 {
		t.Fatalf("first 1000 requests: %d ok, %d limited", ok.Load(), limited.Load())
	}
	r := e.do(bases[1], "GET", "/api/v1/assistants", nil, withKey(e.org))
	expect(t, r, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(r.HTTP.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 3600 {
		t.Fatalf("Retry-After = %q", r.HTTP.Header.Get("Retry-After"))
	}
	var d struct {
		Limit     int    `json:"limit"`
		Remaining int    `json:"remaining"`
		ResetAt   string `json:"reset_at"`
	}
	r.data(&d)
	if d.Limit != 1000 || d.Remaining != 0 || d.ResetAt == "" {
		t.Fatalf("429 data = %+v", d)
	}
	if r.HTTP.Header.Get("X-RateLimit-Remaining") != "0" || r.HTTP.Header.Get("X-RateLimit-Limit") != "1000" {
		t.Fatalf("headers = %v", r.HTTP.Header)
	}
	reset, _ := strconv.ParseInt(r.HTTP.Header.Get("X-RateLimit-Reset"), 10, 64)
	if reset < time.Now().Unix() || reset > time.Now().Add(time.Hour+time.Minute).Unix() {
		t.Fatalf("X-RateLimit-Reset = %d", reset)
	}
	// The other organization still has its whole allowance.
	r = e.do(bases[0], "GET", "/api/v1/assistants", nil, withKey(other))
	expect(t, r, http.StatusOK)
	if r.HTTP.Header.Get("X-RateLimit-Remaining") != "999" {
		t.Fatalf("other org remaining = %s", r.HTTP.Header.Get("X-RateLimit-Remaining"))
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := setup(t)
	req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/v1/sessions/", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := res.Header
	if res.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		h.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "X-API-Secret") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Idempotency-Key") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Fatalf("preflight: %d %v", res.StatusCode, h)
	}
	// A foreign origin gets no CORS grant.
	req.Header.Set("Origin", "https://evil.example")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin granted: %v", res.Header)
	}
	// Real responses expose the rate-limit headers to the allowed origin.
	r := e.call("GET", "/api/v1/assistants", nil, withKey(e.org), withHeader("Origin", "https://shop.example"))
	if r.HTTP.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(r.HTTP.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Remaining") {
		t.Fatalf("response CORS headers: %v", r.HTTP.Header)
	}
}

func TestErrorEnvelopes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	key := withKey(e.org)
	expect(t, e.call("GET", "/api/v1/nothing-here", nil, key), http.StatusNotFound)
	expect(t, e.call("GET", "/nope", nil), http.StatusNotFound)
	r := e.call("PUT", "/api/v1/assistants/", `{}`, key)
	expect(t, r, http.StatusMethodNotAllowed)
	if r.HTTP.Header.Get("Allow") == "" {
		t.Fatal("405 without Allow")
	}
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	expect(t, e.call("POST", "/api/v1/assistants/", big, key), http.StatusRequestEntityTooLarge)
	expect(t, e.call("POST", "/api/v1/assistants/", `name=x`, key, withHeader("Content-Type", "application/x-www-form-urlencoded")), http.StatusUnsupportedMediaType)
	expect(t, e.call("POST", "/api/v1/assistants/", `{"name": }`, key), http.StatusBadRequest)

	// Request ids: generated, or echoed when sane.
	r = e.call("GET", "/healthz", nil, withHeader("X-Request-ID", "abc-123"))
	expect(t, r, http.StatusOK)
	if r.HTTP.Header.Get("X-Request-ID") != "abc-123" {
		t.Fatalf("request id = %q", r.HTTP.Header.Get("X-Request-ID"))
	}
	r = e.call("GET", "/healthz", nil, withHeader("X-Request-ID", "bad id with spaces"))
	if id := r.HTTP.Header.Get("X-Request-ID"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("request id = %q", id)
	}
}

func TestTrailingSlashBothForms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, p := range []string{"/api/v1/assistants", "/api/v1/assistants/"} {
		r := e.call("GET", p, nil, withKey(e.org))
		expect(t, r, http.StatusOK)
		if r.HTTP.Request.URL.Path != p {
			t.Fatalf("%s was redirected to %s", p, r.HTTP.Request.URL.Path)
		}
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/assistants", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	withKey(e.org)(req)
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("POST without slash: %d", res.StatusCode)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	e := setup(t)
	expect(t, e.call("GET", "/healthz", nil), http.StatusOK)
	r := e.call("GET", "/readyz", nil)
	expect(t, r, http.StatusOK)
	e.call("GET", "/api/v1/assistants", nil, withKey(e.org))
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`lorebase_http_requests_total{method="GET",route="GET /api/v1/assistants",status="200"} 1`,
		`lorebase_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1/assistants"`,
		`lorebase_db_pool_max_connections`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Not ready while a migration is pending.
	if _, err := e.db.Pool.Exec(t.Context(), `DELETE FROM schema_migrations WHERE version = '001_core'`); err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("GET", "/readyz", nil), http.StatusServiceUnavailable)
}

// The OpenAPI document describes every route that exists, and real responses fit its schemas.
func TestOpenAPIDescribesRealResponses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.call("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi: %v %s", err, r.Body[:min(200, len(r.Body))])
	}
	for _, rt := range e.api.Routes() {
		if doc.Paths[rt.Path][strings.ToLower(rt.Method)] == nil {
			t.Errorf("%s %s is not documented", rt.Method, rt.Path)
		}
	}
	// Real responses checked against the documented schema.
	created := e.call("POST", "/api/v1/assistants/", `{"name":"Doc","default_tasks":["a"]}`, withKey(e.org))
	var id struct {
		ID string `json:"id"`
	}
	created.data(&id)
	qa := e.call("POST", "/api/v1/knowledge/qa", `{"question":"q?","answer":"a.","tags":["t"]}`, withKey(e.org))
	ctxRes := e.call("POST", "/api/v1/contexts", `{"user_reference":"u-1","traits":{"name":"Ana"}}`, withKey(e.org))
	session := e.call("POST", "/api/v1/sessions", map[string]any{"assistant_id": id.ID, "visitor_id": "v", "metadata": map[string]any{"a": 1}}, withKey(e.org))
	var sid struct {
		ID string `json:"id"`
	}
	session.data(&sid)
	msg := e.call("POST", "/api/v1/sessions/"+sid.ID+"/messages", `{"content":"anything there?"}`, withKey(e.org))
	conv := e.call("POST", "/api/v1/conversations", map[string]any{"assistant_id": id.ID, "customer_id": "u-1"}, withKey(e.org))
	samples := []struct {
		method, path, docPath string
		status                int
		res                   *response
	}{
		{"POST", "/api/v1/knowledge/qa", "/api/v1/knowledge/qa", 202, qa},
		{"GET", "/api/v1/knowledge", "/api/v1/knowledge", 200, e.call("GET", "/api/v1/knowledge", nil, withKey(e.org))},
		{"POST", "/api/v1/contexts", "/api/v1/contexts", 201, ctxRes},
		{"POST", "/api/v1/sessions", "/api/v1/sessions", 201, session},
		{"POST", "/api/v1/sessions/{id}/messages", "/api/v1/sessions/{id}/messages", 200, msg},
		{"GET", "/api/v1/sessions/{id}/messages", "/api/v1/sessions/{id}/messages", 200, e.call("GET", "/api/v1/sessions/"+sid.ID+"/messages", nil, withKey(e.org))},
		{"POST", "/api/v1/conversations", "/api/v1/conversations", 201, conv},
		{"GET", "/api/v1/knowledge/gaps", "/api/v1/knowledge/gaps", 200, e.call("GET", "/api/v1/knowledge/gaps", nil, withKey(e.org))},
		{"POST", "/api/v1/assistants", "/api/v1/assistants", 422, e.call("POST", "/api/v1/assistants", `{}`, withKey(e.org))},
		{"POST", "/api/v1/assistants/", "/api/v1/assistants/", 201, created},
		{"GET", "/api/v1/assistants", "/api/v1/assistants", 200, e.call("GET", "/api/v1/assistants", nil, withKey(e.org))},
		{"GET", "/api/v1/assistants/{id}", "/api/v1/assistants/{id}", 200, e.call("GET", "/api/v1/assistants/"+id.ID, nil, withKey(e.org))},
		{"GET", "/readyz", "/readyz", 200, e.call("GET", "/readyz", nil)},
		{"GET", "/api/v1/assistants/{id}", "/api/v1/assistants/{id}", 404, e.call("GET", "/api/v1/assistants/00000000-0000-0000-0000-000000000000", nil, withKey(e.org))},
	}
	for _, s := range samples {
		op := doc.Paths[s.docPath][strings.ToLower(s.method)]
		resp, _ := op["responses"].(map[string]any)[strconv.Itoa(s.status)].(map[string]any)
		if resp == nil {
			t.Errorf("%s %s: status %d not documented", s.method, s.path, s.status)
			continue
		}
		schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		var body any
		_ = json.Unmarshal(s.res.Body, &body)
		if err := conforms(schema, body, "$"); err != "" {
			t.Errorf("%s %s %d: %s", s.method, s.path, s.status, err)
		}
	}
}

// conforms is a small JSON-schema check: types, and no undocumented object properties.
func conforms(schema map[string]any, v any, at string) string {
	if v == nil {
		if schema["nullable"] == true || schema["type"] == nil {
			return ""
		}
		if schema["type"] == "array" || schema["type"] == "object" {
			return "" // nil slices and maps encode as null
		}
		return at + ": null where " + schema["type"].(string) + " is documented"
	}
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return at + ": not an object"
		}
		props, _ := schema["properties"].(map[string]any)
		if props == nil {
			return ""
		}
		for k, sub := range m {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return at + "." + k + ": not documented"
			}
			if err := conforms(ps, sub, at+"."+k); err != "" {
				return err
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return at + ": not an array"
		}
		for i, item := range arr {
			if err := conforms(schema["items"].(map[string]any), item, at+"["+strconv.Itoa(i)+"]"); err != "" {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return at + ": not a string"
		}
	case "integer", "number":
		if _, ok := v.(float64); !ok {
			return at + ": not a number"
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return at + ": not a boolean"
		}
	}
	return ""
}
