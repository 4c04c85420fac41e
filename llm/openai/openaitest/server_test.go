package openaitest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

func post(t *testing.T, url, key, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStreamWireFormat(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Reply: func(openaitest.Request) string { return "hi there" }})
	resp, body := post(t, srv.URL+"/chat/completions", "",
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"q"}]}`)

	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	events := strings.Split(strings.TrimSpace(body), "\n\n")
	// role, "hi ", "there", finish, usage, [DONE]
	if len(events) != 6 {
		t.Fatalf("%d events:\n%s", len(events), body)
	}
	if !strings.Contains(events[3], `"finish_reason":"stop"`) ||
		!strings.Contains(events[4], `"choices":[]`) || !strings.Contains(events[4], `"completion_tokens":2`) ||
		events[5] != "data: [DONE]" {
		t.Errorf("unexpected stream:\n%s", body)
	}
}

func TestAPIKeyAndUnknownPaths(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{APIKey: "k"})
	if resp, body := post(t, srv.URL+"/chat/completions", "wrong", `{}`); resp.StatusCode != 401 || !strings.Contains(body, `"error"`) {
		t.Errorf("wrong key: %d %s", resp.StatusCode, body)
	}
	if resp, _ := post(t, srv.URL+"/completions", "k", `{}`); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("recorded %d requests", n)
	}
}

// TestEndToEndWithClient shows the intended use from another package: point the real client at
// the fake and assert on the prompt the code under test sent.
func TestEndToEndWithClient(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{
		Reply: func(r openaitest.Request) string { return "Answer about " + r.LastUserMessage() + " [1]" },
	})
	chat, err := openai.NewChat(openai.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := chat.Chat(context.Background(), llm.ChatRequest{Messages: []llm.Message{{Role: llm.RoleUser, Content: "pgvector"}}})
	if err != nil || resp.Content != "Answer about pgvector [1]" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if p := srv.ChatRequests()[0].Prompt(); p != "pgvector" {
		t.Errorf("prompt = %q", p)
	}
}

func TestHashEmbeddingRanksSharedWordsHigher(t *testing.T) {
	t.Parallel()
	dot := func(a, b []float32) (s float32) {
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	q := openaitest.HashEmbedding("how do I rotate the API key", 64)
	near := openaitest.HashEmbedding("Rotate the API key from the settings page", 64)
	far := openaitest.HashEmbedding("Bananas are rich in potassium", 64)
	if dot(q, near) <= dot(q, far) {
		t.Errorf("similar text scored %v, unrelated %v", dot(q, near), dot(q, far))
	}
}
