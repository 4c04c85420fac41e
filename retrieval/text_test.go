package retrieval

import "testing"

func TestTextConfig(t *testing.T) {
	for in, want := range map[string]string{
		"en": "english", "EN": "english", "en-US": "english", "pt_BR": "portuguese", "de": "german",
		"es": "spanish", "fr": "french", "it": "italian", "nl": "dutch", "ru": "russian",
		"nb": "norwegian", "german": "german", "zh": "simple", "ja": "simple", "ko": "simple",
		"": "simple", "xx": "simple", "english'; DROP TABLE chunks; --": "simple",
	} {
		if got := TextConfig(in); got != want {
			t.Errorf("TextConfig(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrepareText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"How do I reset my password?", "How do I reset my password?"},
		{"东京塔", " 东京 京塔 "},
		{"东京塔是日本", " 东京 京塔 塔是 是日 日本 "},
		{"猫", " 猫 "},
		{"iPhone用の充電器", "iPhone 用の の充 充電 電器 "},
		{"東京タワー、高さ333m", " 東京 京タ タワ ワー 、 高さ 333m"},
		{"비밀번호 재설정", " 비밀 밀번 번호   재설 설정 "},
		{"Straße café", "Straße café"},
	} {
		if got := PrepareText(tc.in, ""); got != tc.want {
			t.Errorf("PrepareText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrepareTextFoldsLigatures(t *testing.T) {
	if got := PrepareText("the ﬁrst ﬂoor", "en"); got != "the first floor" {
		t.Fatalf("PrepareText = %q", got)
	}
}
