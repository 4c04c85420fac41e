package html

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fixtures maps each testdata page to the Content-Type and URL it is extracted with.
var fixtures = []struct {
	file, contentType, url string
}{
	{"article.html", "text/html; charset=utf-8", "https://docs.acme.test/security/keys#top"},
	{"density.html", "text/html", "http://blog.test/2023/lighthouse"},
	{"latin1.html", "text/html; charset=ISO-8859-1", "http://fr.test/cafe"},
	{"meta_charset.html", "text/html", "http://de.test/gruesse"},
	{"links.html", "text/html", "https://example.com/docs/v2/page.html"},
	{"structure.html", "application/xhtml+xml", "http://s.test/"},
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func extractFixture(t *testing.T, file, contentType, pageURL string) *Page {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	page, err := Extract(bytes.NewReader(data), contentType, mustURL(t, pageURL))
	if err != nil {
		t.Fatalf("Extract(%s): %v", file, err)
	}
	return page
}

// golden is the reviewable summary of a Page stored in testdata/*.golden.json.
type golden struct {
	Document  *ingest.Document
	Links     []string
	Canonical string
	NoIndex   bool
	NoFollow  bool
}

func summarize(p *Page) golden {
	g := golden{Document: p.Document, NoIndex: p.NoIndex, NoFollow: p.NoFollow}
	for _, l := range p.Links {
		g.Links = append(g.Links, l.String())
	}
	if p.Canonical != nil {
		g.Canonical = p.Canonical.String()
	}
	return g
}

func TestExtractGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			got, err := json.MarshalIndent(summarize(extractFixture(t, f.file, f.contentType, f.url)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", strings.TrimSuffix(f.file, ".html")+".golden.json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if string(bytes.TrimSpace(want)) != string(got) {
				t.Errorf("output differs from %s (run with -update after reviewing):\n%s", path, got)
			}
		})
	}
}

func allText(d *ingest.Document) string {
	var parts []string
	for _, b := range d.Blocks {
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n")
}

func TestExtractMainContentDropsBoilerplate(t *testing.T) {
	p := extractFixture(t, "article.html", "text/html", "https://docs.acme.test/security/keys")
	text := allText(p.Document)
	for _, boiler := range []string{"cookies", "Pricing", "In this section", "Security", "rights reserved", "Tweet", "helpful", "JavaScript", "analytics", "font-family"} {
		if strings.Contains(text, boiler) {
			t.Errorf("boilerplate %q survived:\n%s", boiler, text)
		}
	}
	want := []ingest.Block{
		{Kind: ingest.BlockHeading, Text: "Rotating API keys", Level: 1},
		{Kind: ingest.BlockParagraph, Text: "Updated 2024-05-01"},
		{Kind: ingest.BlockParagraph, Text: "API keys should be rotated regularly, at least every 90 days, and immediately after a suspected leak."},
		{Kind: ingest.BlockHeading, Text: "Steps", Level: 2},
		{Kind: ingest.BlockList, Text: "Create a new key in the console.\nDeploy it to every service.\nRevoke the old key."},
		{Kind: ingest.BlockHeading, Text: "Limits", Level: 2},
		{Kind: ingest.BlockTable, Text: "Plan | Keys\nFree | 2\nTeam | 20"},
		{Kind: ingest.BlockHeading, Text: "Example", Level: 3},
		{Kind: ingest.BlockCode, Text: "curl -X POST https://api.acme.test/keys \\\n    -H \"Authorization: Bearer $TOKEN\""},
	}
	if len(p.Document.Blocks) != len(want) {
		t.Fatalf("got %d blocks, want %d:\n%s", len(p.Document.Blocks), len(want), text)
	}
	for i := range want {
		if p.Document.Blocks[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, p.Document.Blocks[i], want[i])
		}
	}
	if p.Document.Title != "Rotating API keys | Acme Docs" || p.Document.Language != "en" {
		t.Errorf("title %q language %q", p.Document.Title, p.Document.Language)
	}
	// Navigation is boilerplate for the index but the crawler still needs its links.
	if !hasLink(p, "https://docs.acme.test/pricing") || !hasLink(p, "https://docs.acme.test/privacy") {
		t.Errorf("navigation links missing: %v", p.Links)
	}
}

func TestExtractDensityHeuristic(t *testing.T) {
	p := extractFixture(t, "density.html", "text/html", "http://blog.test/2023/lighthouse")
	text := allText(p.Document)
	for _, want := range []string{"Pharos of Alexandria", "Fresnel", "Automation arrived"} {
		if !strings.Contains(text, want) {
			t.Errorf("content %q missing:\n%s", want, text)
		}
	}
	for _, boiler := range []string{"Archive", "January 2023", "ships", "Copyright"} {
		if strings.Contains(text, boiler) {
			t.Errorf("boilerplate %q kept:\n%s", boiler, text)
		}
	}
	if b := p.Document.Blocks[0]; b.Kind != ingest.BlockHeading || b.Level != 1 {
		t.Errorf("first block %+v, want the h1", b)
	}
}

func TestExtractCharset(t *testing.T) {
	tests := []struct {
		file, contentType, title, text string
	}{
		// Charset from the Content-Type header: the bytes alone would not say Latin-1.
		{"latin1.html", "text/html; charset=ISO-8859-1", "Café crème", "Un café crème coûte 3 euros à Paris."},
		// Charset from <meta charset>: windows-1252 curly quotes and dash, not Latin-1 controls.
		{"meta_charset.html", "text/html", "Grüße", "“Schöne Grüße” – from the café."},
	}
	for _, tt := range tests {
		p := extractFixture(t, tt.file, tt.contentType, "http://x.test/")
		if p.Document.Title != tt.title {
			t.Errorf("%s: title %q, want %q", tt.file, p.Document.Title, tt.title)
		}
		if got := allText(p.Document); !strings.Contains(got, tt.text) {
			t.Errorf("%s: text %q, want it to contain %q", tt.file, got, tt.text)
		}
	}
}

func hasLink(p *Page, want string) bool {
	for _, l := range p.Links {
		if l.String() == want {
			return true
		}
	}
	return false
}

func TestExtractLinksCanonicalRobots(t *testing.T) {
	p := extractFixture(t, "links.html", "text/html", "https://example.com/docs/v2/page.html#frag")
	var got []string
	for _, l := range p.Links {
		got = append(got, l.String())
	}
	want := []string{
		"https://example.com/docs/v2/intro",
		"https://example.com/docs/v1/old",
		"https://example.com/root",
		"https://other.test/x?y=1",
		// The URL parser drops tabs and newlines but keeps (and escapes) inner spaces.
		"https://example.com/spaced%20%20%20%20%20%20%20path",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("links\n got %v\nwant %v", got, want)
	}
	if p.Canonical == nil || p.Canonical.String() != "https://example.com/docs/v2/guide" {
		t.Errorf("canonical = %v", p.Canonical)
	}
	if p.Document.URL != "https://example.com/docs/v2/guide" {
		t.Errorf("Document.URL = %q, want the canonical URL", p.Document.URL)
	}
	if !p.NoIndex || !p.NoFollow {
		t.Errorf("NoIndex %v NoFollow %v, want both from meta robots", p.NoIndex, p.NoFollow)
	}
}

func TestExtractCanonicalOtherHostIgnored(t *testing.T) {
	const page = `<html><head><link rel="canonical" href="https://evil.test/stolen"></head><body><p>x</p></body></html>`
	p, err := Extract(strings.NewReader(page), "text/html", mustURL(t, "https://good.test/a?b=1#c"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Canonical != nil {
		t.Errorf("cross-host canonical accepted: %v", p.Canonical)
	}
	if p.Document.URL != "https://good.test/a?b=1" {
		t.Errorf("Document.URL = %q, want the page URL without fragment", p.Document.URL)
	}
}

func TestExtractStructure(t *testing.T) {
	p := extractFixture(t, "structure.html", "application/xhtml+xml", "http://s.test/")
	want := []ingest.Block{
		{Kind: ingest.BlockHeading, Text: "Top", Level: 1},
		{Kind: ingest.BlockParagraph, Text: "Loose text in a div, with inline code and a line break."},
		{Kind: ingest.BlockHeading, Text: "Lists", Level: 2},
		{Kind: ingest.BlockList, Text: "First item\n  Nested one\n  Nested two\nSecond item"},
		{Kind: ingest.BlockList, Text: "Term: Definition of the term"},
		{Kind: ingest.BlockHeading, Text: "Tables", Level: 3},
		{Kind: ingest.BlockParagraph, Text: "Sizes"},
		{Kind: ingest.BlockTable, Text: "Name | Size\nsmall | 1 KB\nlarge | 1 MB"},
		{Kind: ingest.BlockParagraph, Text: "Layout cell paragraph."},
		{Kind: ingest.BlockParagraph, Text: "Second layout cell."},
		{Kind: ingest.BlockHeading, Text: "Code", Level: 4},
		{Kind: ingest.BlockCode, Text: "func main() {\n\tfmt.Println(\"hi\")\n}"},
		{Kind: ingest.BlockParagraph, Text: "Quoted words."},
		{Kind: ingest.BlockHeading, Text: "Five", Level: 5},
		{Kind: ingest.BlockHeading, Text: "Six", Level: 6},
	}
	got := p.Document.Blocks
	if len(got) != len(want) {
		t.Fatalf("got %d blocks, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if p.Document.Language != "pt" {
		t.Errorf("language %q, want pt", p.Document.Language)
	}
}

func TestExtractRefusesNonHTML(t *testing.T) {
	for _, tt := range []struct{ contentType, body string }{
		{"application/pdf", "%PDF-1.7 ..."},
		{"image/png", "\x89PNG\r\n\x1a\n"},
		{"application/json; charset=utf-8", `{"a":1}`},
		{"", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"}, // no header: sniffed as PDF
	} {
		_, err := Extract(strings.NewReader(tt.body), tt.contentType, nil)
		if !errors.Is(err, ErrNotHTML) {
			t.Errorf("Extract(%q) error = %v, want ErrNotHTML", tt.contentType, err)
		}
	}
	// No header but HTML bytes: accepted.
	p, err := Extract(strings.NewReader("<!doctype html><title>T</title><p>hello there</p>"), "", nil)
	if err != nil || p.Document.Title != "T" {
		t.Fatalf("sniffed HTML: page %+v, err %v", p, err)
	}
}

func TestExtractNoBody(t *testing.T) {
	p, err := Extract(strings.NewReader(""), "text/html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Document.Blocks) != 0 || len(p.Links) != 0 {
		t.Errorf("empty page gave %+v", p)
	}
}

// Headings carry the anchor of their section whichever way the page names it (the heading's or
// its section's id, an empty element just before it, an anchor inside it); a definition term
// stays in the same block as its description; self-links ("¶") leave heading text.
func TestExtractSectionsAndDefinitions(t *testing.T) {
	p := extractFixture(t, "sections.html", "text/html", "http://s.test/manual.html")
	want := []ingest.Block{
		{Kind: ingest.BlockHeading, Level: 2, Text: "Install", Anchor: "install"},
		{Kind: ingest.BlockParagraph, Text: "Run the installer."},
		{Kind: ingest.BlockList, Text: "-f, --force: Overwrite existing files.\n-q: Print nothing."},
		{Kind: ingest.BlockHeading, Level: 2, Text: "Usage", Anchor: "Usage-anchor"},
		{Kind: ingest.BlockParagraph, Text: "lorebase.open(path, *, mode='r'): Open the knowledge base at path."},
		{Kind: ingest.BlockCode, Text: "kb = lorebase.open(\"kb\")\nkb.close()"},
		{Kind: ingest.BlockParagraph, Text: "Raises an error when the path is missing."},
		{Kind: ingest.BlockHeading, Level: 2, Text: "Environment", Anchor: "env"},
		{Kind: ingest.BlockTable, Text: "Variable | Meaning\nHOME | Where the cache lives\nTMPDIR | Scratch space"},
		{Kind: ingest.BlockHeading, Level: 3, Text: "FAQ", Anchor: "faq"},
		{Kind: ingest.BlockParagraph, Text: "Nothing yet."},
	}
	got := p.Document.Blocks
	if len(got) != len(want) {
		t.Fatalf("got %d blocks, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A documentation page without any main/nav markup: every section, the definition list, the
// admonition, the table and the code stay; the top bar, the side menu, the in-page table of
// contents, the edit link, the previous/next links and the copyright line go.
func TestExtractUnmarkedDocumentationPage(t *testing.T) {
	p := extractFixture(t, "docs_page.html", "text/html", "https://frob.test/docs/frobnicate.html")
	text := allText(p.Document)
	for _, want := range []string{
		"frobnicate [--level N] [--dry-run] FILE...",
		"frobnicate rewrites each FILE in place",
		"--level N: How hard to frobnicate, from 1 to 9; the default is 3.",
		"--dry-run: Print what would change without writing anything.",
		"Levels above 7 need the turbo licence.",
		"FROB_HOME | Where state is kept",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("content %q missing:\n%s", want, text)
		}
	}
	for _, boiler := range []string{"Download", "Introduction", "Changes", "Edit this page", "« Installing", "All rights reserved"} {
		if strings.Contains(text, boiler) {
			t.Errorf("furniture %q kept:\n%s", boiler, text)
		}
	}
	if strings.Contains(text, "Synopsis\nOptions") {
		t.Errorf("in-page table of contents kept:\n%s", text)
	}
	if !hasAnchor(p.Document, "_options") || !hasAnchor(p.Document, "_environment") {
		t.Errorf("section anchors missing: %+v", p.Document.Blocks)
	}
}
