package retrieval

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

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
		// one part only worth separating: the run as written, then its case parts
		{"x.getName", "x.getName get Name"},
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

// FuzzExpandIdentifiers: any text comes out valid UTF-8, keeps every rune of the input but
// spaces and the separators '_' and '.' in order (an identifier's whole form comes first), and
// text with no identifier is unchanged.
func FuzzExpandIdentifiers(f *testing.F) {
	for _, s := range []string{"PGDATA_MAX_SIZE", "server.maxBodySize.", "getUserName()", "e.g. v1.2.3", "a_b.c", "HTTPServer用", "x\xffy_z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := expandIdentifiers(s)
		if !utf8.ValidString(s) {
			return // PrepareText's input is normalised text; only check it does not panic
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from %q: %q", s, got)
		}
		// The input's non-space runes appear in the output in order (a subsequence).
		rest := got
		for _, r := range s {
			if unicode.IsSpace(r) || r == '_' || r == '.' {
				continue
			}
			i := strings.IndexRune(rest, r)
			if i < 0 {
				t.Fatalf("%q lost %q: %q", s, r, got)
			}
			rest = rest[i+utf8.RuneLen(r):]
		}
		if !strings.ContainsAny(s, "_.") && !hasInnerUpper(s) && got != s {
			t.Fatalf("%q changed to %q", s, got)
		}
	})
}
