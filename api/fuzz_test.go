package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/api"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// fuzzRoutes are the JSON-decoding endpoints the fuzzer reaches, both path forms.
var fuzzRoutes = []string{
	"/api/v1/assistants", "/api/v1/knowledge/qa", "/api/v1/contexts", "/api/v1/sessions",
	"/api/v1/assistants/", "/api/v1/knowledge/qas/", "/api/v1/contexts/", "/api/v1/sessions/",
}

// FuzzDecodeRequest sends arbitrary bodies with arbitrary content types through the real
// handler (authentication, decoding, validation, storage): whatever arrives, the answer is a
// well-formed JSON envelope whose status_code matches the HTTP status, and never a 500.
func FuzzDecodeRequest(f *testing.F) {
	db := storetest.New(f)
	orgs := store.NewOrganizations(db.Pool)
	// A rate limit no fuzzing run reaches, so every input gets past authentication.
	_, creds, err := orgs.Create(context.Background(), "Fuzz", 1<<30, []string{"https://fuzz.example"})
	if err != nil {
		f.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := newServerWith(f, db, orgs, logger, offline.NewEmbedder(storetest.VectorDims), offline.NewAnswerer(offline.AnswererConfig{}),
		api.Config{JWTKey: testKey, UploadLimit: testUploadLimit})
	h := s.Handler()
	send := func(path, contentType string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("X-API-Key", creds.Client.ClientID)
		req.Header.Set("X-API-Secret", creds.ClientSecret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := send("/api/v1/assistants", "application/json", []byte(`{"name":"Fuzz helper"}`))
	var created struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.Data.ID == "" {
		f.Fatalf("seed assistant: %d %s", rec.Code, rec.Body)
	}
	assistant := created.Data.ID

	jsonTypes := []string{"application/json", "application/json; charset=utf-8", "", "application/vnd.api+json"}
	seeds := [][]string{
		{`{"name":"Helper","description":"d","tone":"friendly","language":"en","default_tasks":["a","b"],"is_active":true}`},
		{`{"question":"Do you ship?","answer":"Yes.","tags":["shipping"],"source":"faq","assistant_ids":["` + assistant + `"]}`},
		{`{"user_reference":"u-1","traits":{"name":"Ana","tier":"gold","nested":{"a":[1,2,3]}}}`},
		{`{"assistant_id":"` + assistant + `","visitor_id":"v","locale":"pt-BR","metadata":{"page":"/","user_reference":"u-1"}}`},
	}
	for i, seed := range seeds {
		for _, ct := range jsonTypes {
			f.Add(uint8(i), ct, []byte(seed[0]))
		}
	}
	for _, body := range []string{
		``, `null`, `[]`, `"x"`, `1`, `{`, `{"name":}`, `{"name":"x"}{"name":"y"}`, `{"name":"x"} trailing`,
		`{"name":1}`, `{"name":"x","default_tasks":"not a list"}`, `{"name":"x","is_active":"yes"}`,
		`{"traits":[1]}`, `{"user_reference":"","traits":{}}`, `{"metadata":"str","assistant_id":"nope"}`,
		`{"assistant_id":"00000000-0000-0000-0000-000000000000"}`, `{"question":"` + strings.Repeat("q", 5000) + `","answer":"a"}`,
		`{"name":"\u0000\ud800"}`, "{\"name\":\"\xff\xfe\"}", `{"name":"x","language":"zz-ZZ-xx"}`,
		`{"name":1e999}`, `{"tags":[` + strings.Repeat(`"t",`, 500) + `"t"]}`, strings.Repeat("[", 10000),
		`{"a":` + strings.Repeat(`{"a":`, 2000) + `1` + strings.Repeat("}", 2001),
	} {
		for i := range 4 {
			f.Add(uint8(i), "application/json", []byte(body))
		}
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset", ";;;", "application/json; charset=\"unterminated"} {
		f.Add(uint8(0), ct, []byte(`{"name":"x"}`))
	}

	f.Fuzz(func(t *testing.T, route uint8, contentType string, body []byte) {
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		rec := send(path, contentType, body)
		if rec.Code >= 500 {
			t.Fatalf("POST %s (%q, %q): status %d: %s", path, contentType, body, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("POST %s: content type %q: %s", path, ct, rec.Body)
		}
		var env struct {
			Status     *string          `json:"status"`
			StatusCode *int             `json:"status_code"`
			Detail     *string          `json:"detail"`
			Data       *json.RawMessage `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		if err := dec.Decode(&env); err != nil {
			t.Fatalf("POST %s: body is not JSON: %v: %s", path, err, rec.Body)
		}
		want := "success"
		if rec.Code >= 400 {
			want = "error"
		}
		switch {
		case env.Status == nil || *env.Status != want:
			t.Fatalf("POST %s: status %d with envelope status %v: %s", path, rec.Code, env.Status, rec.Body)
		case env.StatusCode == nil || *env.StatusCode != rec.Code:
			t.Fatalf("POST %s: status %d, envelope status_code %v: %s", path, rec.Code, env.StatusCode, rec.Body)
		case want == "error" && (env.Detail == nil || *env.Detail == ""):
			t.Fatalf("POST %s: error without detail: %s", path, rec.Body)
		case want == "success" && (env.Data == nil || string(*env.Data) == "null"):
			t.Fatalf("POST %s: success without data: %s", path, rec.Body)
		}
		if rec.Header().Get("X-Request-ID") == "" {
			t.Fatalf("POST %s: no X-Request-ID", path)
		}
	})
}
