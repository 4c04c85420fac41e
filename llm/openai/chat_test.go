package openai

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

func TestChatSendsPromptAndReturnsAnswer(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{
		APIKey: "sk-test",
		Reply:  func(r openaitest.Request) string { return "echo: " + r.LastUserMessage() },
	})
	chat, _ := newTestChat(t, testConfig(srv))

	req := question("What is lorebase?")
	req.MaxTokens = 100
	resp, err := chat.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "echo: What is lorebase?" || resp.Model != "test-chat" {
		t.Errorf("resp = %+v", resp)
	}
	if resp.Usage.PromptTokens == 0 || resp.Usage.CompletionTokens == 0 {
		t.Errorf("usage not passed on: %+v", resp.Usage)
	}
	if chat.Name() != "test-chat" {
		t.Errorf("Name() = %q", chat.Name())
	}

	got := srv.ChatRequests()
	if len(got) != 1 {
		t.Fatalf("server got %d requests", len(got))
	}
	r := got[0]
	if r.Path != "/v1/chat/completions" || r.Stream || r.MaxTokens != 100 || len(r.Messages) != 2 ||
		r.Messages[0].Role != "system" || !strings.Contains(r.Prompt(), "What is lorebase?") {
		t.Errorf("request = %+v", r)
	}
	// Temperature 0 must reach the server as (almost) zero, not be dropped to the default of 1.
	if r.Temperature == nil || *r.Temperature <= 0 || *r.Temperature > 1e-5 {
		t.Errorf("temperature = %v, want a tiny positive value", r.Temperature)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer sk-test" {
		t.Errorf("Authorization = %q", h)
	}
}

func TestChatRequestValuesOverrideConfig(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	cfg := testConfig(srv)
	cfg.Temperature, cfg.MaxTokens = 0.7, 50
	chat, _ := newTestChat(t, cfg)

	if _, err := chat.Chat(context.Background(), question("q")); err != nil {
		t.Fatal(err)
	}
	req := question("q")
	req.Temperature, req.MaxTokens = 0.2, 9
	if _, err := chat.Chat(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got := srv.ChatRequests()
	if *got[0].Temperature != 0.7 || got[0].MaxTokens != 50 {
		t.Errorf("config defaults not sent: temperature %v, max_tokens %d", *got[0].Temperature, got[0].MaxTokens)
	}
	if *got[1].Temperature != 0.2 || got[1].MaxTokens != 9 {
		t.Errorf("request values not sent: temperature %v, max_tokens %d", *got[1].Temperature, got[1].MaxTokens)
	}
}

func TestChatReasoningModelUsesMaxCompletionTokens(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	cfg := testConfig(srv)
	cfg.ChatModel, cfg.MaxTokens = "o3-mini", 100
	chat, _ := newTestChat(t, cfg)

	if _, err := chat.Chat(context.Background(), question("q")); err != nil {
		t.Fatal(err) // go-openai refuses max_tokens or a temperature for these models
	}
	r := srv.ChatRequests()[0]
	if r.MaxCompletionTokens != 100 || r.MaxTokens != 0 || r.Temperature != nil {
		t.Errorf("max_completion_tokens %d, max_tokens %d, temperature %v", r.MaxCompletionTokens, r.MaxTokens, r.Temperature)
	}
}

func TestChatEmptyKeySendsNoAuthorization(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	cfg := testConfig(srv)
	cfg.APIKey = ""
	chat, _ := newTestChat(t, cfg)

	if _, err := chat.Chat(context.Background(), question("q")); err != nil {
		t.Fatal(err)
	}
	h := srv.Requests()[0].Header
	if v, ok := h["Authorization"]; ok {
		t.Errorf("Authorization header sent: %q", v)
	}
}

func TestAzureURLAndKeyHeader(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{APIKey: "azure-key"})
	cfg := Config{BaseURL: srv.RootURL, APIKey: "azure-key", Azure: true, ChatModel: "gpt-35.turbo-deploy", EmbeddingModel: "embed-deploy", Timeout: 5 * time.Second}
	chat, _ := newTestChat(t, cfg)
	emb, _ := newTestEmbedder(t, cfg)

	if _, err := chat.Chat(context.Background(), question("q")); err != nil {
		t.Fatal(err)
	}
	if _, err := emb.Embed(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	wantPaths := []string{"/openai/deployments/gpt-35.turbo-deploy/chat/completions", "/openai/deployments/embed-deploy/embeddings"}
	for i, r := range reqs {
		if r.Path != wantPaths[i] {
			t.Errorf("path = %q, want %q", r.Path, wantPaths[i])
		}
		if v := r.Query.Get("api-version"); v != AzureAPIVersionDefault {
			t.Errorf("api-version = %q", v)
		}
		if r.Header.Get("Api-Key") != "azure-key" || r.Header.Get("Authorization") != "" {
			t.Errorf("auth headers = %v", r.Header)
		}
	}
}

func TestChatRetriesAfter429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{
		{Status: 429, Message: "Rate limit reached", RetryAfter: "2"},
	}})
	chat, slept := newTestChat(t, testConfig(srv))

	resp, err := chat.Chat(context.Background(), question("q"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != openaitest.DefaultReply {
		t.Errorf("content = %q", resp.Content)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
	if got := slept.got(); len(got) != 1 || got[0] != 2*time.Second {
		t.Errorf("slept %v, want [2s] from Retry-After", got)
	}
	// The retried request carries the same body: GetBody rewound it.
	reqs := srv.Requests()
	if string(reqs[0].Body) != string(reqs[1].Body) {
		t.Errorf("retried body differs:\n%s\n%s", reqs[0].Body, reqs[1].Body)
	}
}

func TestChatGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	boom := openaitest.Step{Status: 500, Message: "the model fell over"}
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{boom, boom, boom, boom}})
	cfg := testConfig(srv)
	cfg.MaxRetries, cfg.RetryDelay = 2, 100*time.Millisecond
	chat, slept := newTestChat(t, cfg)

	_, err := chat.Chat(context.Background(), question("q"))
	if !errors.Is(err, llm.ErrUpstream) || errors.Is(err, llm.ErrTimeout) {
		t.Fatalf("err = %v, want ErrUpstream", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "500") || !strings.Contains(msg, "the model fell over") {
		t.Errorf("message lacks status or server message: %q", msg)
	}
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.StatusCode != 500 {
		t.Errorf("UpstreamError = %+v", ue)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("server got %d requests, want 1 + MaxRetries = 3", n)
	}
	// Exponential with equal jitter: attempt k waits within [d/2, d], d = RetryDelay * 2^k.
	got := slept.got()
	if len(got) != 2 {
		t.Fatalf("slept %v, want 2 backoffs", got)
	}
	for k, d := range got {
		hi := cfg.RetryDelay << k
		if d < hi/2 || d > hi {
			t.Errorf("backoff %d = %v, want within [%v, %v]", k, d, hi/2, hi)
		}
	}
}

func TestChatDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{
		{Status: 400, Message: "maximum context length is 8192 tokens"},
	}})
	chat, _ := newTestChat(t, testConfig(srv))

	_, err := chat.Chat(context.Background(), question("q"))
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.StatusCode != 400 || !strings.Contains(ue.Message, "maximum context length") {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestChatRetriesConnectionErrors(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(nil)
	url := dead.URL + "/v1"
	dead.Close() // nothing listens there any more: connection refused

	cfg := Config{BaseURL: url, MaxRetries: 2, Timeout: 5 * time.Second}
	chat, slept := newTestChat(t, cfg)
	_, err := chat.Chat(context.Background(), question("q"))
	if !errors.Is(err, llm.ErrUpstream) {
		t.Fatalf("err = %v, want ErrUpstream", err)
	}
	if n := len(slept.got()); n != 2 {
		t.Errorf("retried %d times, want 2", n)
	}
}

func TestChatStalledServerTimesOut(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Stall: true}}})
	cfg := testConfig(srv)
	cfg.Timeout = 150 * time.Millisecond
	chat, _ := newTestChat(t, cfg)

	_, err := chat.Chat(context.Background(), question("q"))
	if !errors.Is(err, llm.ErrTimeout) || errors.Is(err, llm.ErrUpstream) {
		t.Fatalf("err = %v, want ErrTimeout only", err)
	}
}

func TestChatCallerCancelIsNotAModelError(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Stall: true}}})
	chat, _ := newTestChat(t, testConfig(srv))

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the request is at the server, so the cancel interrupts a live call.
		for len(srv.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := chat.Chat(ctx, question("q"))
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrUpstream) || errors.Is(err, llm.ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled only", err)
	}
}

func TestErrorsNeverContainTheAPIKey(t *testing.T) {
	t.Parallel()
	const key = "sk-secret-0123456789"
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{
		{Status: 401, Message: "Incorrect API key provided: " + key + "."},
	}})
	cfg := testConfig(srv)
	cfg.APIKey = key
	chat, _ := newTestChat(t, cfg)

	_, err := chat.Chat(context.Background(), question("q"))
	if !errors.Is(err, llm.ErrUpstream) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "401") {
		t.Errorf("error = %q", err)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"azure without URL": {Azure: true},
		"bad URL":           {BaseURL: "localhost:8080"},
		"negative dims":     {Dimensions: -1},
		"temperature":       {Temperature: 3},
	} {
		if _, err := NewChat(cfg); err == nil {
			t.Errorf("%s: NewChat accepted %+v", name, cfg)
		}
	}
	c, err := NewChat(Config{})
	if err != nil || c.Name() != ChatModelDefault || c.cfg.BaseURL != BaseURLDefault || c.cfg.MaxRetries != MaxRetriesDefault {
		t.Errorf("defaults: %+v, %v", c.cfg, err)
	}
}
