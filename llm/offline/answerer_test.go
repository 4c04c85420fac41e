package offline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/textkit"
)

var pricing = []llm.Passage{
	{N: 1, Title: "Pricing", Text: "Acme has three plans. The Pro plan costs $20 per user per month. " +
		"Annual billing saves 15%. All plans include email support."},
	{N: 2, Title: "Security", Text: "Single sign-on (SSO) is available on the Pro plan. " +
		"SSO works with Okta and Azure AD. Audit logs are kept for one year."},
}

func TestExtract(t *testing.T) {
	a := NewAnswerer(AnswererConfig{})
	tests := []struct {
		name      string
		question  string
		passages  []llm.Passage
		want      string   // exact Text; "" means abstain
		contains  []string // instead of want when the exact text is not the point
		minConfid float64
	}{
		{name: "single fact", question: "How much does the Pro plan cost?", passages: pricing,
			want: "The Pro plan costs $20 per user per month [1].", minConfid: 0.6},
		{name: "second passage", question: "Which providers does SSO work with?", passages: pricing,
			contains: []string{"SSO works with Okta and Azure AD [2]."}},
		{name: "two sentences in reading order", question: "Is SSO on the Pro plan and how long are audit logs kept?", passages: pricing,
			contains: []string{"[2]", "Audit logs are kept for one year [2]."}},
		{name: "unrelated question abstains", question: "What is the weather in Paris tomorrow?", passages: pricing, want: ""},
		{name: "no passages", question: "How much is Pro?", passages: nil, want: ""},
		{name: "empty question", question: "", passages: pricing, want: ""},
		{name: "inflection via stemming", question: "Is billing annually cheaper?", passages: pricing,
			contains: []string{"Annual billing saves 15% [1]."}},
		{name: "german prefix stems", question: "Welche Pläne enthalten E-Mail-Support?",
			passages: []llm.Passage{{N: 3, Text: "Der Versand dauert drei Tage. Alle Pläne enthalten Support per E-Mail."}},
			want:     "Alle Pläne enthalten Support per E-Mail [3]."},
		{name: "spanish snowball", question: "¿Cuánto cuestan los envíos?",
			passages: []llm.Passage{{N: 1, Text: "Las devoluciones son gratuitas. El envío cuesta 5 euros."}},
			want:     "El envío cuesta 5 euros [1]."},
		{name: "chinese", question: "退款需要多长时间？",
			passages: []llm.Passage{{N: 1, Text: "我们的办公室周末关闭。退款通常需要五个工作日。"}},
			want:     "退款通常需要五个工作日[1]。"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Extract(tc.question, tc.passages)
			switch {
			case tc.contains != nil:
				for _, c := range tc.contains {
					if !strings.Contains(got.Text, c) {
						t.Errorf("Text %q lacks %q", got.Text, c)
					}
				}
			case got.Text != tc.want:
				t.Errorf("Text = %q, want %q", got.Text, tc.want)
			}
			if got.Confidence < tc.minConfid || got.Confidence > 1 {
				t.Errorf("Confidence = %.2f, want in [%.2f, 1]", got.Confidence, tc.minConfid)
			}
			if got.Text == "" && (len(got.Sentences) > 0 || got.Confidence != 0) {
				t.Errorf("abstention carries sentences or confidence: %+v", got)
			}
			for _, s := range got.Sentences {
				if s.Score <= 0 || s.Score > 1 || s.PassageN == 0 {
					t.Errorf("bad sentence %+v", s)
				}
			}
		})
	}
}

// TestExtractOnlyQuotes checks the answerer never invents: every sentence is in a passage.
func TestExtractOnlyQuotes(t *testing.T) {
	got := NewAnswerer(AnswererConfig{}).Extract("SSO audit logs Pro plan price", pricing)
	if len(got.Sentences) < 2 || len(got.Sentences) > textkit.MaxSentencesDefault {
		t.Fatalf("want 2–%d sentences, got %+v", textkit.MaxSentencesDefault, got.Sentences)
	}
	for _, s := range got.Sentences {
		if !strings.Contains(pricing[s.PassageN-1].Text, s.Text) {
			t.Errorf("sentence %q is not in passage %d", s.Text, s.PassageN)
		}
	}
}

func TestExtractCapsLength(t *testing.T) {
	long := strings.Repeat("refund policy details apply here ", 60) + "."
	got := NewAnswerer(AnswererConfig{MaxRunes: 100}).Extract("refund policy", []llm.Passage{{N: 1, Text: long}})
	if n := len([]rune(got.Sentences[0].Text)); n > 100 || !strings.HasSuffix(got.Sentences[0].Text, "…") {
		t.Errorf("sentence of %d runes not truncated: %q", n, got.Sentences[0].Text)
	}
}

func TestChatAndStream(t *testing.T) {
	a := NewAnswerer(AnswererConfig{})
	req := llm.ChatRequest{
		Messages: []llm.Message{{Role: llm.RoleSystem, Content: "Answer from the sources."},
			{Role: llm.RoleUser, Content: "How much does the Pro plan cost?"}},
		Passages: pricing,
		Question: "How much does the Pro plan cost?",
	}
	resp, err := a.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "The Pro plan costs $20 per user per month [1]." || resp.Model != AnswererName || a.Name() != AnswererName {
		t.Fatalf("Chat = %+v", resp)
	}
	if resp.Usage.PromptTokens != 15 || resp.Usage.CompletionTokens != 13 { // ceil((4+7)*1.3), 10*1.3
		t.Errorf("Usage = %+v", resp.Usage)
	}

	var pieces []string
	sresp, err := a.Stream(context.Background(), req, func(s string) error { pieces = append(pieces, s); return nil })
	if err != nil || sresp != resp {
		t.Fatalf("Stream = %+v, %v", sresp, err)
	}
	if strings.Join(pieces, "") != resp.Content || len(pieces) != 10 || pieces[0] != "The " {
		t.Errorf("pieces %q", pieces)
	}

	stop := errors.New("client went away")
	if _, err := a.Stream(context.Background(), req, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("onToken error not returned: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err = a.Stream(ctx, req, func(string) error {
		if n++; n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 2 {
		t.Errorf("cancelled stream: err %v after %d pieces", err, n)
	}
}

func TestChatFallsBackToLastUserMessage(t *testing.T) {
	resp, err := NewAnswerer(AnswererConfig{}).Chat(context.Background(), llm.ChatRequest{
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "Which providers work with SSO?"}},
		Passages: pricing,
	})
	if err != nil || !strings.Contains(resp.Content, "Okta") {
		t.Fatalf("Chat = %+v, %v", resp, err)
	}
}

func TestStreamPiecesCJK(t *testing.T) {
	got := streamPieces("退款需要五天[1]。 OK")
	if strings.Join(got, "") != "退款需要五天[1]。 OK" || got[0] != "退" || len(got) < 7 {
		t.Errorf("pieces %q", got)
	}
}

func TestAnswererConcurrent(t *testing.T) {
	a := NewAnswerer(AnswererConfig{})
	want := a.Extract("How much does the Pro plan cost?", pricing).Text
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := a.Extract("How much does the Pro plan cost?", pricing).Text; got != want {
					t.Errorf("got %q, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
