package pdf

import (
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest"
)

// Synthetic glyph lists: every character is 0.5 em wide, so positions are easy to reason about.

type pen struct {
	x, y, size float64
	run        int
}

// write lays s out from the pen position; gapEm is extra space after every glyph (kerning).
func (p *pen) write(s string, gapEm float64) []glyph {
	p.run++
	var gs []glyph
	for _, r := range s {
		w := 0.5 * p.size
		gs = append(gs, glyph{x: p.x, y: p.y, w: w, size: p.size, s: string(r), run: p.run})
		p.x += w + gapEm*p.size
	}
	return gs
}

func text(lines []line) string {
	var out []string
	for _, l := range lines {
		out = append(out, l.text)
	}
	return strings.Join(out, "\n")
}

func TestWordGaps(t *testing.T) {
	for _, tc := range []struct {
		name string
		gap  float64 // em between the two words
		want string
	}{
		{"TJ kerning inside a word is no space", 0.05, "Helloworld"},
		{"justified word space", 0.2, "Hello world"},
		{"tight word space still a space", 0.15, "Hello world"},
		{"wide gap on the same row splits into two lines of one row", 3, "Hello\nworld"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &pen{x: 72, y: 700, size: 10}
			gs := p.write("Hello", 0)
			p.x += tc.gap * p.size
			gs = append(gs, p.write("world", 0)...)
			if got := text(layoutPage(gs)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExplicitSpaces(t *testing.T) {
	p := &pen{x: 72, y: 700, size: 10}
	gs := p.write("no glued words", 0)
	if got := text(layoutPage(gs)); got != "no glued words" {
		t.Errorf("got %q", got)
	}
	// A stray space from another run drawn on top of a letter must not split the word.
	p = &pen{x: 72, y: 700, size: 10}
	gs = p.write("Married", 0)
	gs = append(gs, glyph{x: 72, y: 700, w: 2.5, size: 10, s: " ", run: 99})
	if got := text(layoutPage(gs)); got != "Married" {
		t.Errorf("stray space: got %q", got)
	}
}

func TestLetterSpacedText(t *testing.T) {
	// Tc letter spacing of 0.4 em: pdftotext and we both read separate letters.
	p := &pen{x: 72, y: 700, size: 10}
	if got := text(layoutPage(p.write("Hi", 0.4))); got != "H i" {
		t.Errorf("got %q", got)
	}
}

func TestSuperscriptStaysOnLine(t *testing.T) {
	p := &pen{x: 72, y: 700, size: 10}
	gs := p.write("(DMCA)", 0)
	sup := &pen{x: p.x, y: 703.5, size: 6}
	gs = append(gs, sup.write("1", 0)...)
	p.x = sup.x + 2
	gs = append(gs, p.write("was", 0)...)
	if got := text(layoutPage(gs)); got != "(DMCA)1 was" {
		t.Errorf("got %q", got)
	}
}

func TestDehyphenation(t *testing.T) {
	ls := func(ss ...string) []line {
		var out []line
		for _, s := range ss {
			out = append(out, line{text: s})
		}
		return out
	}
	for _, tc := range []struct {
		in   []line
		want string
	}{
		{ls("an exam-", "ple of it"), "an example of it"},
		{ls("Anglo-", "Saxon"), "Anglo-Saxon"},
		{ls("COVID-", "19 cases"), "COVID-19 cases"},
		{ls("a dash -", "here"), "a dash - here"},
		{ls("soft\u00ad", "hyphen"), "softhyphen"},
		{ls("日本", "語"), "日本語"},
		{ls("plain", "join"), "plain join"},
	} {
		if got := joinLines(tc.in); got != tc.want {
			t.Errorf("joinLines(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// twoColumnPage builds a title spanning the page, then 12 rows of a left column (x 72–290)
// and a right column (x 320–540) sharing baselines, as LaTeX typesets them.
func twoColumnPage() []glyph {
	var gs []glyph
	p := &pen{x: 150, y: 760, size: 16}
	gs = append(gs, p.write("A Title Across Both Columns", 0)...)
	for i := range 12 {
		y := 700 - float64(i)*12
		l := &pen{x: 72, y: y, size: 10}
		gs = append(gs, l.write("left column line text here words fill", 0.0)...) // 37 chars × 5 = 185pt
		r := &pen{x: 320, y: y, size: 10}
		gs = append(gs, r.write("right column line text words fill it", 0.0)...)
		_ = i
	}
	// Stretch each line to the column edge, as justified text does.
	for i := range gs {
		if gs[i].size == 10 && gs[i].x < 300 {
			gs[i].x = 72 + (gs[i].x-72)*218/185
		}
	}
	return gs
}

func TestTwoColumns(t *testing.T) {
	lines := layoutPage(twoColumnPage())
	if lines[0].text != "A Title Across Both Columns" {
		t.Fatalf("first line %q, want the title", lines[0].text)
	}
	for i, l := range lines[1:] {
		wantLeft := i < 12
		if strings.HasPrefix(l.text, "left") != wantLeft {
			t.Fatalf("line %d = %q: left column must be read completely before the right\n%s", i+1, l.text, text(lines))
		}
	}
}

func TestSingleColumnNotSplit(t *testing.T) {
	var gs []glyph
	for i := range 12 {
		p := &pen{x: 72, y: 700 - float64(i)*12, size: 10}
		gs = append(gs, p.write("one wide column of running text that crosses the middle of the page again", 0)...)
	}
	for _, l := range layoutPage(gs) {
		if l.col != 0 || !strings.HasPrefix(l.text, "one wide") {
			t.Fatalf("single column was split: %+v", l)
		}
	}
}

func TestRunningHeadersAndPageNumbers(t *testing.T) {
	var pages [][]line
	for n := 1; n <= 4; n++ {
		lines := []line{{y: 780, size: 9, text: "ACME Router X200 — User Manual"}}
		for i := range 6 {
			lines = append(lines, line{y: 700 - float64(i)*12, size: 10, text: "body text line"})
		}
		lines = append(lines, line{y: 40, size: 9, text: "Page " + itoa(n) + " of 4"})
		pages = append(pages, lines)
	}
	pages[2] = append(pages[2], line{y: 20, size: 9, text: "- 3 -"})
	removeRunning(pages, false)
	// The running header stays once, on the first page; page numbers go everywhere.
	if pages[0][0].text != "ACME Router X200 — User Manual" {
		t.Errorf("page 1 lost the first copy of the running header: %q", pages[0][0].text)
	}
	pages[0] = pages[0][1:]
	for i, p := range pages {
		for _, l := range p {
			if l.text != "body text line" {
				t.Errorf("page %d kept %q", i+1, l.text)
			}
		}
		if len(p) != 6 {
			t.Errorf("page %d has %d lines, want the 6 body lines", i+1, len(p))
		}
	}
}

func TestHeaderThatDoesNotRepeatIsKept(t *testing.T) {
	var pages [][]line
	for n := range 4 {
		lines := []line{{y: 780, size: 9, text: "Chapter " + string(rune('A'+n)) + " overview"}}
		for i := range 6 {
			lines = append(lines, line{y: 700 - float64(i)*12, size: 10, text: "body " + strings.Repeat("x", n*6+i)})
		}
		pages = append(pages, lines)
	}
	// "Chapter A overview", "Chapter B overview"... differ in letters, not digits: keep them.
	if n := removeRunning(pages, false); n != 0 {
		t.Errorf("removed %d lines, want 0", n)
	}
}

func TestParagraphsAndHeadings(t *testing.T) {
	lines := []line{
		{x0: 72, x1: 300, y: 760, size: 18, text: "Installing the router"},
		{x0: 72, x1: 540, y: 730, size: 10, text: "Unpack the box and place the router near a power"},
		{x0: 72, x1: 300, y: 718, size: 10, text: "socket."},
		{x0: 72, x1: 540, y: 694, size: 10, text: "Connect the cable to the port marked WAN and wait"},
		{x0: 72, x1: 400, y: 682, size: 10, text: "for the light to turn green."},
	}
	blocks := toBlocks(paragraphs(3, lines))
	want := []ingest.Block{
		{Kind: ingest.BlockHeading, Level: 1, Page: 3, Text: "Installing the router"},
		{Kind: ingest.BlockParagraph, Page: 3, Text: "Unpack the box and place the router near a power socket."},
		{Kind: ingest.BlockParagraph, Page: 3, Text: "Connect the cable to the port marked WAN and wait for the light to turn green."},
	}
	if len(blocks) != len(want) {
		t.Fatalf("got %d blocks %+v, want %d", len(blocks), blocks, len(want))
	}
	for i := range want {
		if blocks[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, blocks[i], want[i])
		}
	}
}

func TestRotatedTextReadsAlongItsBaseline(t *testing.T) {
	// Text running up the margin (90°): glyphs advance in y.
	var gs []glyph
	for i, r := range "arXiv" {
		gs = append(gs, glyph{x: 30, y: 300 + float64(i)*5, w: 5, size: 10, s: string(r), rot: 1})
	}
	if got := text(layoutPage(gs)); got != "arXiv" {
		t.Errorf("got %q", got)
	}
}

func TestSanitizeContent(t *testing.T) {
	for in, want := range map[string]string{
		`/Span<</ActualText(a\protect b)>>BDC (x\(y\)\\z\101) Tj EMC`: `/Span<</ActualText(aprotect b)>>BDC (x\(y\)\\z\101) Tj EMC`,
		`% comment \q (
(ok\q)`: `% comment \q (
(okq)`,
		"BI /W 1 ID \\q(( EI (a\\q) Tj": "BI /W 1 ID \\q(( EI (aq) Tj",
		`(nothing to do)`:               `(nothing to do)`,
	} {
		b := []byte(in)
		if got := string(b[:sanitizeContent(b)]); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSlidesKeepRepeatedLines: on a slide deck the line repeated on every slide stays (it is
// each slide's context); page numbers still go.
func TestSlidesKeepRepeatedLines(t *testing.T) {
	var pages [][]line
	for n := 1; n <= 5; n++ {
		lines := []line{{y: 580, size: 9, text: "Jane Doe — Annual Meeting 2003"}}
		for i := range 4 {
			lines = append(lines, line{y: 400 - float64(i)*20, size: 14, text: "bullet point " + itoa(n*10+i)})
		}
		lines = append(lines, line{y: 20, size: 9, text: itoa(n)})
		pages = append(pages, lines)
	}
	removeRunning(pages, true)
	for i, p := range pages {
		if len(p) != 5 || p[0].text != "Jane Doe — Annual Meeting 2003" {
			t.Errorf("slide %d: %d lines, first %q; want the repeated line and 4 bullets", i+1, len(p), p[0].text)
		}
	}
}
