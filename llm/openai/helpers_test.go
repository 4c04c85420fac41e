package openai

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

// sleeps records the delays the retrying transport asked for, without waiting, so retry tests
// are fast and assert on the chosen delays rather than on wall-clock time.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

func testConfig(srv *openaitest.Server) Config {
	return Config{BaseURL: srv.URL, APIKey: "sk-test", ChatModel: "test-chat", EmbeddingModel: "test-embed", Timeout: 5 * time.Second}
}

func newTestChat(t *testing.T, cfg Config) (*Chat, *sleeps) {
	t.Helper()
	c, err := NewChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	c.rt.sleep = s.sleep
	return c, s
}

func newTestEmbedder(t *testing.T, cfg Config) (*Embedder, *sleeps) {
	t.Helper()
	e, err := NewEmbedder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	e.rt.sleep = s.sleep
	return e, s
}

func question(q string) llm.ChatRequest {
	return llm.ChatRequest{Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "Answer from the passages."},
		{Role: llm.RoleUser, Content: q},
	}}
}
