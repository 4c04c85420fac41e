package textkit

import (
	"reflect"
	"testing"
)

func TestFold(t *testing.T) {
	tests := map[string]string{
		"größe":      "grosse",
		"café":       "cafe",
		"ñandú":      "nandu",
		"ещё":        "еще",
		"东京":         "东京",
		"が":          "が", // Kana voicing is meaning, not an accent
		"한국어":        "한국어",
		"plain text": "plain text",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"ＡＢＣ１２３", []string{"abc123"}}, // NFKC folds full-width forms
		{"l'homme e-mail", []string{"l", "homme", "e", "mail"}},
		{"Tokyo東京タワーis tall", []string{"tokyo", "東京タワー", "is", "tall"}},
	}
	for _, tc := range tests {
		var got []string
		for _, tok := range Tokenize(tc.in) {
			got = append(got, tok.Text)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if toks := Tokenize("new york. city"); !toks[2].Break || toks[1].Break {
		t.Errorf("punctuation breaks not marked: %+v", toks)
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"The plan costs $10. It renews monthly! Need help? Ask us.",
			[]string{"The plan costs $10.", "It renews monthly!", "Need help?", "Ask us."}},
		{"Mr. Smith lives in the U.S. with Dr. Jones. Version 2.5 is out.",
			[]string{"Mr. Smith lives in the U.S. with Dr. Jones.", "Version 2.5 is out."}},
		{"Use a tool, e.g. the CLI. Done.", []string{"Use a tool, e.g. the CLI.", "Done."}},
		{`He said "stop." Then he left.`, []string{`He said "stop."`, "Then he left."}},
		{"价格是十元。包括支持！真的吗？是的", []string{"价格是十元。", "包括支持！", "真的吗？", "是的"}},
		{"Pricing\nThe Pro plan costs $20\nper month.\n\n- Cancel any time\n- Refunds within 14 days",
			[]string{"Pricing", "The Pro plan costs $20 per month.", "Cancel any time", "Refunds within 14 days"}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := SplitSentences(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitSentences(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
