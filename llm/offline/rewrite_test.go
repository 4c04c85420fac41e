package offline

import (
	"testing"

	"github.com/lorebase/lorebase/llm"
)

func TestRewrite(t *testing.T) {
	user := func(s string) llm.Message { return llm.Message{Role: llm.RoleUser, Content: s} }
	bot := func(s string) llm.Message { return llm.Message{Role: llm.RoleAssistant, Content: s} }
	tests := []struct {
		name     string
		history  []llm.Message
		question string
		want     string
	}{
		{"no history", nil, "and how much does it cost?", "and how much does it cost?"},
		{"pronoun follow-up", []llm.Message{user("Do you offer a Pro plan?"), bot("Yes [1].")},
			"and how much does it cost?", "and how much does it cost? offer Pro plan"},
		{"what about", []llm.Message{user("How much does the Basic plan cost?"), bot("$10 [1].")},
			"what about the pro plan?", "what about the pro plan? Basic cost"},
		{"spanish", []llm.Message{user("¿Tienen un plan Pro para empresas?"), bot("Sí [1].")},
			"¿y cuánto cuesta?", "¿y cuánto cuesta? Tienen plan Pro empresas"},
		{"german", []llm.Message{user("Wie installiere ich den Drucker?"), bot("…")},
			"Und unter Linux?", "Und unter Linux? installiere Drucker"},
		{"standalone stays", []llm.Message{user("Do you offer a Pro plan?")},
			"How do I reset my password on the mobile app?", "How do I reset my password on the mobile app?"},
		{"standalone spanish with article", []llm.Message{user("¿Tienen un plan Pro?")},
			"¿Qué es la factura electrónica?", "¿Qué es la factura electrónica?"},
		{"current question already in history", []llm.Message{user("Is SSO supported on the Team plan?"), bot("Yes [2]."), user("is it free?")},
			"is it free?", "is it free? SSO supported Team plan"},
		{"follow-up chain borrows two turns", []llm.Message{user("Does the Pro plan include SSO?"), bot("Yes."), user("and audit logs?"), bot("Yes.")},
			"how much is it?", "how much is it? audit logs Pro plan include SSO"},
		{"assistant turns ignored", []llm.Message{bot("Welcome to Acme support!")},
			"is it free?", "is it free?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Rewrite(tc.history, tc.question); got != tc.want {
				t.Errorf("Rewrite(%q) = %q, want %q", tc.question, got, tc.want)
			}
		})
	}
}
