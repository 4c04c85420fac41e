package formats

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest"
)

// render prints blocks one per line as "kind[level]: text" with newlines shown as ⏎, so a
// whole expected document fits in a readable table row.
func render(doc *ingest.Document) string {
	var b strings.Builder
	for _, bl := range doc.Blocks {
		kind := string(bl.Kind)
		if bl.Kind == ingest.BlockHeading {
			kind = fmt.Sprintf("h%d", bl.Level)
		}
		fmt.Fprintf(&b, "%s: %s\n", kind, strings.ReplaceAll(bl.Text, "\n", "⏎"))
	}
	return b.String()
}

type extractCase struct {
	name  string
	in    string
	want  string // rendered blocks
	title string
	err   error
}

func runCases(t *testing.T, extract func([]byte) (*ingest.Document, error), cases []extractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := extract([]byte(tc.in))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := render(doc); got != tc.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tc.want)
			}
			if doc.Title != tc.title {
				t.Errorf("title = %q, want %q", doc.Title, tc.title)
			}
		})
	}
}

func TestText(t *testing.T) {
	runCases(t, Text, []extractCase{
		{name: "paragraphs joined and split", in: "First line\nwrapped.\n\n\nSecond.\n",
			want: "paragraph: First line wrapped.\nparagraph: Second.\n"},
		{name: "numbered and capital headings", in: "INSTALLATION GUIDE\n\n2.1 Requirements\nYou need Go.\n",
			want: "h1: INSTALLATION GUIDE\nh2: 2.1 Requirements\nparagraph: You need Go.\n"},
		{name: "cjk chapter heading", in: "第一章 概述\n备份每天运行。\n", want: "h1: 第一章 概述\nparagraph: 备份每天运行。\n"},
		{name: "underlined heading", in: "Overview\n========\nText here.\n",
			want: "h1: Overview\nparagraph: Text here.\n"},
		{name: "sentence is not a heading", in: "3 Apples were eaten.\n\nNOTE: this is important.\n",
			want: "paragraph: 3 Apples were eaten.\nparagraph: NOTE: this is important.\n"},
		{name: "list with continuation", in: "- one\n- two\n  more\n1) three\n",
			want: "list: - one⏎- two more⏎1) three\n"},
		{name: "windows-1252", in: "Caf\xe9 \x93quoted\x94 \x80 5\n",
			want: "paragraph: Café “quoted” € 5\n"},
		{name: "utf-16le bom", in: "\xff\xfeH\x00i\x00\n\x00", want: "paragraph: Hi\n"},
		{name: "utf-8 bom", in: "\xef\xbb\xbfHello\n", want: "paragraph: Hello\n"},
		{name: "empty", in: "", err: ErrEmpty},
		{name: "blank", in: " \n\t\n", err: ErrEmpty},
		{name: "binary", in: "PK\x03\x04\x00\x00", err: ErrNotText},
		{name: "controls", in: "\x01\x02\x03\x04abc\x05\x06", err: ErrNotText},
	})
}

func TestMarkdown(t *testing.T) {
	runCases(t, Markdown, []extractCase{
		{name: "front matter title", in: "---\ntitle: \"Ops Manual\"\ntags: [a]\n---\n# Start\n\nBody.\n",
			title: "Ops Manual", want: "h1: Start\nparagraph: Body.\n"},
		{name: "first h1 is the title", in: "Setup\n=====\n\nSub\n---\n\nText.\n",
			title: "Setup", want: "h1: Setup\nh2: Sub\nparagraph: Text.\n"},
		{name: "inline markup stripped", in: "Use **bold**, _em_, `code`, [the docs](http://x) ![logo](l.png) and snake_case_name a * b.\n",
			want: "paragraph: Use bold, em, code, the docs and snake_case_name a * b.\n"},
		{name: "lists are one block", in: "- a\n- b\n  - c\n\n3. x\n4. y\n",
			want: "list: - a⏎- b⏎  - c\nlist: 3. x⏎4. y\n"},
		{name: "fenced code kept verbatim", in: "```sh\n  make   all\n# not a heading\n```\n",
			want: "code:   make   all⏎# not a heading\n"},
		{name: "table", in: "| Name | Port |\n|------|-----:|\n| api  | 8080 |\n| *db* | 5432 |\n",
			want: "table: Name | Port⏎api | 8080⏎db | 5432\n"},
		{name: "quote and html", in: "> Quoted *text*.\n\n<div align=center>\nCentered\n</div>\n",
			want: "paragraph: Quoted text.\nparagraph: Centered\n"},
		{name: "headings only", in: "# A\n## B\n", err: ErrEmpty},
		{name: "empty", in: "", err: ErrEmpty},
	})
}

func TestCSV(t *testing.T) {
	runCases(t, CSV, []extractCase{
		{name: "comma with quotes and bom", in: "\ufeffName,Price,Note\n\"Widget, large\",3.50,\"two\nlines\"\nGadget,4,\n",
			want: "paragraph: Name: Widget, large; Price: 3.50; Note: two lines\nparagraph: Name: Gadget; Price: 4\n"},
		{name: "semicolon decimal comma", in: "Name;Price\nA;3,50\nB;4,00\n",
			want: "paragraph: Name: A; Price: 3,50\nparagraph: Name: B; Price: 4,00\n"},
		{name: "tab", in: "a\tb\n1\t2\n", want: "paragraph: a: 1; b: 2\n"},
		{name: "pipe", in: "k|v\nx|y\n", want: "paragraph: k: x; v: y\n"},
		{name: "ragged rows and blank header", in: "id,,name\n1,x\n2,y,z,extra\n",
			want: "paragraph: id: 1; Column 2: x\nparagraph: id: 2; Column 2: y; name: z; Column 4: extra\n"},
		{name: "numeric first row is data", in: "1,2\n3,4\n", want: "paragraph: 1; 2\nparagraph: 3; 4\n"},
		{name: "empty", in: "", err: ErrEmpty},
		{name: "stray quote is lenient", in: "a,b\nsay \"hi\",1\n", want: "paragraph: a: say \"hi\"; b: 1\n"},
	})
}

func TestJSON(t *testing.T) {
	runCases(t, JSON, []extractCase{
		{name: "array of objects", in: `[{"name":"api","port":8080},{"name":"db","tags":["sql","main"]}]`,
			want: "list: name: api⏎port: 8080\nlist: name: db⏎tags: sql, main\n"},
		{name: "nested object keeps order", in: `{"z":1,"server":{"host":"h","tls":{"on":true}},"n":null}`,
			want: "list: z: 1\nlist: server.host: h⏎server.tls.on: true\nlist: n: null\n"},
		{name: "records inside object", in: `{"users":[{"id":1},{"id":2}]}`,
			want: "list: users[0].id: 1\nlist: users[1].id: 2\n"},
		{name: "json lines", in: "{\"a\":1}\n{\"a\":2}\n", want: "list: a: 1\nlist: a: 2\n"},
		{name: "big numbers kept", in: `{"id":12345678901234567890}`, want: "list: id: 12345678901234567890\n"},
		{name: "empty object", in: `{}`, err: ErrEmpty},
		{name: "syntax error", in: "{\n  \"a\" 1}", err: ErrInvalid},
		{name: "truncated", in: `{"a": [1, 2,`, err: ErrInvalid},
	})
}

func TestJSONErrorPosition(t *testing.T) {
	_, err := JSON([]byte("{\n  \"a\": 1,\n  \"b\" 2\n}"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SyntaxError", err)
	}
	if se.Line != 3 || se.Offset < 17 || se.Offset > 20 {
		t.Errorf("position = line %d offset %d, want line 3 near offset 18", se.Line, se.Offset)
	}
}

func TestJSONDepthCap(t *testing.T) {
	in := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	doc, err := JSON([]byte(`{"ok":1,"deep":` + in + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "deeper") {
		t.Errorf("warnings = %q, want a depth warning", doc.Warnings)
	}
}
