package rerank

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/llm"
)

// scripted is a chat model that replies with a fixed text and records the prompt.
type scripted struct {
	reply  string
	prompt string
}

func (s *scripted) Chat(_ context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	s.prompt = req.Messages[len(req.Messages)-1].Content
	return llm.ChatResponse{Content: s.reply, Model: "scripted"}, nil
}

func (s *scripted) Stream(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatResponse, error) {
	return s.Chat(ctx, req)
}

func (s *scripted) Name() string { return "scripted" }

func TestChatListwise(t *testing.T) {
	m := &scripted{reply: "3, 1 (the others are off topic)"}
	scores, err := NewChat(m).Rerank(context.Background(), "shipping canada", docs)
	if err != nil {
		t.Fatal(err)
	}
	if !(scores[2] > scores[0] && scores[0] > scores[1]) {
		t.Fatalf("scores %v, want 3 then 1 then the unnamed 2", scores)
	}
	if !strings.Contains(m.prompt, "[3] Shipping to Canada takes 7 days.") || !strings.Contains(m.prompt, "Question: shipping canada") {
		t.Fatalf("prompt %q", m.prompt)
	}
	for _, bad := range []string{"I cannot rank these.", "9, 0"} {
		if _, err := NewChat(&scripted{reply: bad}).Rerank(context.Background(), "q", docs); !errors.Is(err, llm.ErrUpstream) {
			t.Errorf("reply %q: error %v, want ErrUpstream", bad, err)
		}
	}
}
