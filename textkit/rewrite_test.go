package textkit

import (
	"testing"
)

// message is a conversation turn; Rewrite sees only the user's.
type message struct {
	user    bool
	content string
}

func userTurns(history []message) []string {
	var out []string
	for _, m := range history {
		if m.user {
			out = append(out, m.content)
		}
	}
	return out
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	user := func(s string) message { return message{user: true, content: s} }
	bot := func(s string) message { return message{content: s} }
	tests := []struct {
		name     string
		history  []message
		question string
		want     string
	}{
		{"no history", nil, "and how much does it cost?", "and how much does it cost?"},
		{"pronoun follow-up", []message{user("Do you offer a Pro plan?"), bot("Yes [1].")},
			"and how much does it cost?", "and how much does it cost? offer Pro plan"},
		{"what about", []message{user("How much does the Basic plan cost?"), bot("$10 [1].")},
			"what about the pro plan?", "what about the pro plan? Basic cost"},
		{"spanish", []message{user("¿Tienen un plan Pro para empresas?"), bot("Sí [1].")},
			"¿y cuánto cuesta?", "¿y cuánto cuesta? Tienen plan Pro empresas"},
		{"german", []message{user("Wie installiere ich den Drucker?"), bot("…")},
			"Und unter Linux?", "Und unter Linux? installiere Drucker"},
		{"german modal verb is no topic", []message{user("Wann findet die Wartung statt?"), bot("…")},
			"Kann man sie verschieben?", "Kann man sie verschieben? findet Wartung statt"},
		{"standalone stays", []message{user("Do you offer a Pro plan?")},
			"How do I reset my password on the mobile app?", "How do I reset my password on the mobile app?"},
		{"standalone spanish with article", []message{user("¿Tienen un plan Pro?")},
			"¿Qué es la factura electrónica?", "¿Qué es la factura electrónica?"},
		{"current question already in history", []message{user("Is SSO supported on the Team plan?"), bot("Yes [2]."), user("is it free?")},
			"is it free?", "is it free? SSO supported Team plan"},
		{"follow-up chain borrows two turns", []message{user("Does the Pro plan include SSO?"), bot("Yes."), user("and audit logs?"), bot("Yes.")},
			"how much is it?", "how much is it? audit logs Pro plan include SSO"},
		{"assistant turns ignored", []message{bot("Welcome to Acme support!")},
			"is it free?", "is it free?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Rewrite(userTurns(tc.history), tc.question); got != tc.want {
				t.Errorf("Rewrite(%q) = %q, want %q", tc.question, got, tc.want)
			}
		})
	}
}
