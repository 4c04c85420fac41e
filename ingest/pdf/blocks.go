package pdf

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lorebase/lorebase/ingest"
)

// This file groups ordered lines into paragraphs and headings.

type paragraph struct {
	page  int
	lines []line
}

// paragraphs splits a page's ordered lines where a reader sees a new paragraph: a column
// change, a jump back up the page, a larger vertical gap than the page's usual line spacing,
// a change of font size or weight, an indented first line, or a short line ending a sentence.
func paragraphs(page int, lines []line) []paragraph {
	if len(lines) == 0 {
		return nil
	}
	lead := typicalLeading(lines)
	left, right := map[int]float64{}, map[int]float64{}
	for _, l := range lines {
		if v, ok := left[l.col]; !ok || l.x0 < v {
			left[l.col] = l.x0
		}
		if v, ok := right[l.col]; !ok || l.x1 > v {
			right[l.col] = l.x1
		}
	}
	var out []paragraph
	cur := paragraph{page: page, lines: []line{lines[0]}}
	for _, b := range lines[1:] {
		a := cur.lines[len(cur.lines)-1]
		if startsParagraph(a, b, lead, left[b.col], right[a.col]) {
			out = append(out, cur)
			cur = paragraph{page: page}
		}
		cur.lines = append(cur.lines, b)
	}
	return append(out, cur)
}

func startsParagraph(a, b line, lead, colLeft, colRight float64) bool {
	em := math.Max(a.size, b.size)
	dy := a.y - b.y
	switch {
	case (a.col != b.col || dy < -baselineTolEm*em) && continues(a.text, b.text):
		return false // a sentence running on into the next column
	case a.col != b.col:
		return true
	case math.Abs(dy) < baselineTolEm*em:
		return false // pieces of one row (table cells, form labels) stay together
	case dy < 0:
		return true
	case math.Max(a.size, b.size) > 1.15*math.Min(a.size, b.size):
		return true
	case a.bold != b.bold:
		return true
	case dy > (lead+0.35)*em:
		return true
	case b.x0-colLeft > 0.8*em && a.x0-colLeft < 0.5*em:
		return true // indented first line
	case endsSentence(a.text) && a.x1 < colRight-4*em:
		return true // short last line
	}
	return false
}

// typicalLeading is the page's usual baseline distance in em, from consecutive lines that look
// like running text.
func typicalLeading(lines []line) float64 {
	var ds []float64
	for i := 1; i < len(lines); i++ {
		a, b := lines[i-1], lines[i]
		if a.col != b.col || a.size == 0 {
			continue
		}
		if d := (a.y - b.y) / a.size; d > 0.8 && d < 2.5 {
			ds = append(ds, d)
		}
	}
	if len(ds) < 3 {
		return 1.25
	}
	return median(ds)
}

// continues reports whether b reads as the rest of a's sentence: a stops mid-sentence (or on a
// hyphen) and b starts in lower case.
func continues(a, b string) bool {
	r, _ := utf8.DecodeRuneInString(b)
	return !endsSentence(a) && unicode.IsLower(r)
}

func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(s))
	return strings.ContainsRune(".!?:;。！？", r)
}

// toBlocks classifies paragraphs. Headings are detected from size: the body size is the size
// carrying the most characters; short paragraphs at least 1.2× larger are headings, levelled by
// size rank; short all-bold lines at body size rank one level below the smallest sized heading.
func toBlocks(paras []paragraph) []ingest.Block {
	chars := map[float64]int{}
	for _, p := range paras {
		for _, l := range p.lines {
			chars[roundSize(l.size)] += utf8.RuneCountInString(l.text)
		}
	}
	body, most := 0.0, -1
	for s, n := range chars {
		if n > most || (n == most && s < body) {
			body, most = s, n
		}
	}
	type cand struct {
		text   string
		size   float64
		bold   bool
		isHead bool
	}
	cands := make([]cand, len(paras))
	var headSizes []float64
	for i, p := range paras {
		c := cand{text: joinLines(p.lines), size: roundSize(p.lines[0].size), bold: true}
		for _, l := range p.lines {
			c.bold = c.bold && l.bold
		}
		n := utf8.RuneCountInString(c.text)
		short := len(p.lines) <= 3 && n <= 150 && hasLetter(c.text)
		switch {
		case short && body > 0 && c.size >= 1.2*body:
			c.isHead = true
			headSizes = append(headSizes, c.size)
		case short && c.bold && len(p.lines) <= 2 && n <= 100 && !endsSentence(c.text) && c.size >= 0.95*body:
			c.isHead = true
		}
		cands[i] = c
	}
	slices.Sort(headSizes)
	headSizes = slices.Compact(headSizes)
	slices.Reverse(headSizes)
	blocks := make([]ingest.Block, 0, len(paras))
	for i, c := range cands {
		b := ingest.Block{Kind: ingest.BlockParagraph, Text: c.text, Page: paras[i].page}
		if c.isHead {
			b.Kind = ingest.BlockHeading
			b.Level = len(headSizes) + 1
			if j := slices.Index(headSizes, c.size); j >= 0 && c.size >= 1.2*body {
				b.Level = j + 1
			}
			b.Level = min(b.Level, 6)
		}
		blocks = append(blocks, b)
	}
	return blocks
}

func roundSize(s float64) float64 { return math.Round(s*2) / 2 }

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// joinLines joins a paragraph's lines with spaces, removing end-of-line hyphenation
// ("exam-" + "ple" → "example") and adding no space between CJK characters.
func joinLines(lines []line) string {
	var buf []byte
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		if i > 0 && len(buf) > 0 {
			last, size := utf8.DecodeLastRune(buf)
			first, _ := utf8.DecodeRuneInString(t)
			switch {
			case last == '\u00ad': // soft hyphen: always a line-break hyphen
				buf = buf[:len(buf)-size]
			case (last == '-' || last == '\u2010') && letterBefore(buf[:len(buf)-size]):
				if unicode.IsLower(first) {
					buf = buf[:len(buf)-size] // "exam-" + "ple": a word split at the margin
				}
				// Otherwise ("Anglo-" + "Saxon", "COVID-" + "19") keep the hyphen, add no space.
			case isCJK(last) && isCJK(first):
			default:
				buf = append(buf, ' ')
			}
		}
		buf = append(buf, t...)
	}
	return string(buf)
}

func letterBefore(b []byte) bool {
	r, _ := utf8.DecodeLastRune(b)
	return unicode.IsLetter(r)
}
