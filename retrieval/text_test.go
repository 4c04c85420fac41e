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

func TestExpandIdentifiers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// snake_case and SCREAMING_SNAKE: the whole form, then the parts
		{"set PGDATA_MAX_SIZE first", "set PGDATAMAXSIZE PGDATA MAX SIZE first"},
		{"snake_case_name", "snakecasename snake case name"},
		// dotted names keep each segment and split camelCase segments
		{"server.maxBodySize.", "servermaxBodySize server maxBodySize max Body Size."},
		{"(see server.maxBodySize)", "(see servermaxBodySize server maxBodySize max Body Size)"},
		// camelCase and acronyms
		{"call getUserName()", "call getUserName get User Name()"},
		{"HTTPServer", "HTTPServer HTTP Server"},
		// left alone: prose, numbers, versions, abbreviations, single inner capitals, URLs,
		// paths and addresses (the parser has token types for them), edge punctuation
		{"How do I reset my password?", "How do I reset my password?"},
		{"pi is 3.14, version v1.2.3 or 10.5mg", "pi is 3.14, version v1.2.3 or 10.5mg"},
		{"e.g. z.B. U.S. iPhone eBay NaN", "e.g. z.B. U.S. iPhone eBay NaN"},
		{"https://example.org/a_b/c.d user@mail_host.org config/app_name.yaml", "https://example.org/a_b/c.d user@mail_host.org config/app_name.yaml"},
		{"_emphasis_ and end.", "_emphasis_ and end."},
		{"PG_15", "PG_15"},
	} {
		if got := expandIdentifiers(tc.in); got != tc.want {
			t.Errorf("expandIdentifiers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// PrepareText applies it before the CJK bigrams, and a CJK character ends an identifier.
	if got, want := PrepareText("max_body_size用", ""), "maxbodysize max body size 用 "; got != want {
		t.Errorf("PrepareText = %q, want %q", got, want)
	}
}
