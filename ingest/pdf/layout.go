package pdf

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lorebase/lorebase/textkit"
)

// This file turns a page's glyphs into lines in reading order. Every threshold is relative to
// the font size ("em") so the same rules hold for 6-point footnotes and 24-point titles.

const (
	baselineTolEm  = 0.2  // glyphs within this of a row's baseline share the row
	wordGapEm      = 0.12 // a gap wider than this between glyphs is a word space
	wordGapGuessEm = 0.3  // same, when a width was guessed (font without metrics)
	cjkGapEm       = 1.0  // CJK text has no spaces; only a wide gap separates words
	segmentGapEm   = 1.5  // a gap wider than this splits a row into separate line pieces
	minGutterEm    = 0.8  // narrowest gap accepted as a column gutter
)

// line is one piece of text on one baseline, inside one column.
type line struct {
	x0, x1 float64
	y      float64 // baseline, shared by every line cut from the same row
	size   float64
	text   string
	bold   bool // every glyph is bold: a heading candidate
	col    int  // 0 single column or spanning both; 1 left; 2 right
}

// layoutPage returns the page's lines in reading order. Text drawn at a right angle (margin
// notes, rotated table headers) is laid out separately after the upright text.
func layoutPage(glyphs []glyph) []line {
	var byRot [4][]glyph
	for _, g := range glyphs {
		byRot[g.rot] = append(byRot[g.rot], g.rotated())
	}
	var out []line
	for _, gs := range byRot {
		if len(gs) > 0 {
			out = append(out, layoutUpright(gs)...)
		}
	}
	return out
}

func layoutUpright(glyphs []glyph) []line {
	rows := groupRows(glyphs)
	gut, hasGutter := findGutter(rows)
	var lines []line
	for _, r := range rows {
		for _, seg := range splitRow(r.glyphs, gut, hasGutter) {
			l := makeLine(seg, r.y)
			if l.text == "" {
				continue
			}
			switch {
			case !hasGutter:
			case l.x1 <= gut.mid:
				l.col = 1
			case l.x0 >= gut.mid:
				l.col = 2
			}
			lines = append(lines, l)
		}
	}
	return readingOrder(lines)
}

type row struct {
	y      float64
	size   float64
	glyphs []glyph
}

// groupRows clusters glyphs by baseline, top to bottom, then folds superscripts and subscripts
// (smaller text slightly off the baseline, e.g. footnote marks) into the row they belong to.
func groupRows(glyphs []glyph) []row {
	gs := slices.Clone(glyphs)
	for i := range gs {
		if gs[i].size < 1 {
			gs[i].size = 1
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].y > gs[j].y })
	var rows []row
	for _, g := range gs {
		if n := len(rows); n > 0 {
			r := &rows[n-1]
			if math.Abs(g.y-r.y) <= baselineTolEm*math.Min(g.size, r.size) {
				r.glyphs = append(r.glyphs, g)
				r.size = math.Max(r.size, g.size)
				continue
			}
		}
		rows = append(rows, row{y: g.y, size: g.size, glyphs: []glyph{g}})
	}
	for merged := true; merged; {
		merged = false
		for i := range rows {
			if j := scriptHost(rows, i); j >= 0 {
				rows[j].glyphs = append(rows[j].glyphs, rows[i].glyphs...)
				rows = slices.Delete(rows, i, i+1)
				merged = true
				break
			}
		}
	}
	return rows
}

// scriptHost returns the row that row i is a superscript or subscript of, or -1.
func scriptHost(rows []row, i int) int {
	r := rows[i]
	if len(r.glyphs) > 4 {
		return -1 // footnote marks and exponents are short; a longer row is a line of its own
	}
	x0, x1 := extent(r.glyphs)
	for _, j := range []int{i - 1, i + 1} {
		if j < 0 || j >= len(rows) {
			continue
		}
		h := rows[j]
		dy := math.Abs(r.y - h.y)
		switch {
		case r.size < 0.9*h.size && dy <= 0.5*h.size:
			// A smaller script: footnote mark, exponent, index.
		case r.size >= 0.9*h.size && r.size <= 1.1*h.size && dy <= 0.3*h.size:
			// A letter of the same size raised or lowered a little, inside a word: the E of
			// the TeX and LaTeX logos is lowered by half an x-height.
		default:
			continue
		}
		hx0, hx1 := extent(h.glyphs)
		if x1 >= hx0-h.size && x0 <= hx1+h.size {
			return j
		}
	}
	return -1
}

func extent(gs []glyph) (x0, x1 float64) {
	x0, x1 = math.Inf(1), math.Inf(-1)
	for _, g := range gs {
		x0 = math.Min(x0, g.x)
		x1 = math.Max(x1, g.x+g.w)
	}
	return x0, x1
}

type gutter struct{ start, end, mid float64 }

// findGutter looks for one vertical strip in the middle of the page that (almost) no word
// crosses while filled lines end just left of it and start just right of it: the signature of
// a two-column layout. Tables and forms also have empty strips, but their cells do not fill
// the space up to the strip, which is why the "filled lines" test matters.
func findGutter(rows []row) (gutter, bool) {
	if len(rows) < 8 {
		return gutter{}, false
	}
	type span struct{ x0, x1 float64 }
	var words [][]span
	minX, maxX := math.Inf(1), math.Inf(-1)
	var sizes []float64
	for _, r := range rows {
		gs := sortedByX(r.glyphs)
		var ws []span
		for i, g := range gs {
			if strings.TrimSpace(g.s) == "" {
				continue
			}
			if i == 0 || len(ws) == 0 || needsSpace(gs[i-1], g) || strings.TrimSpace(gs[i-1].s) == "" {
				ws = append(ws, span{g.x, g.x + g.w})
			} else {
				ws[len(ws)-1].x1 = math.Max(ws[len(ws)-1].x1, g.x+g.w)
			}
			minX, maxX = math.Min(minX, g.x), math.Max(maxX, g.x+g.w)
			sizes = append(sizes, g.size)
		}
		words = append(words, ws)
	}
	width := maxX - minX
	if len(sizes) == 0 || width < 100 || width > 1e5 {
		return gutter{}, false
	}
	em := median(sizes)
	cov := make([]int, int(width)+2)
	for _, ws := range words {
		for _, w := range ws {
			for x := int(w.x0 - minX); x <= int(w.x1-minX) && x < len(cov); x++ {
				if x >= 0 {
					cov[x]++
				}
			}
		}
	}
	// The candidate strip is the least-covered run of x in the middle 40% of the text; among
	// equally covered runs the one nearest the centre wins (a full-width table can leave a
	// wide, evenly covered band).
	lo, hi := int(0.3*width), int(0.7*width)
	centre := float64(len(cov)) / 2
	best, bestMid := math.MaxInt, 0.0
	for x := lo; x <= hi; {
		end := x
		for end+1 <= hi && cov[end+1] == cov[x] {
			end++
		}
		mid := float64(x+end) / 2
		if cov[x] < best || (cov[x] == best && math.Abs(mid-centre) < math.Abs(bestMid-centre)) {
			best, bestMid = cov[x], mid
		}
		x = end + 1
	}
	if best > len(rows)*6/10 {
		return gutter{}, false
	}
	mid := minX + bestMid
	// Filled lines: on enough rows, the left part must end close to a common right edge and
	// the right part start close to a common left edge, with a real gap between the two.
	var leftEnds, rightStarts []float64
	for _, ws := range words {
		le, rs := math.Inf(-1), math.Inf(1)
		crossing := false
		for _, w := range ws {
			switch {
			case w.x1 <= mid:
				le = math.Max(le, w.x1)
			case w.x0 >= mid:
				rs = math.Min(rs, w.x0)
			default:
				crossing = true
			}
		}
		if crossing {
			continue
		}
		if !math.IsInf(le, 0) {
			leftEnds = append(leftEnds, le)
		}
		if !math.IsInf(rs, 0) {
			rightStarts = append(rightStarts, rs)
		}
	}
	if len(leftEnds) < len(rows)/4 || len(rightStarts) < len(rows)/4 {
		return gutter{}, false
	}
	g := gutter{start: upperQuartile(leftEnds), end: lowerQuartile(rightStarts)}
	if g.end-g.start < minGutterEm*em {
		return gutter{}, false
	}
	near := func(xs []float64, edge float64) int {
		n := 0
		for _, x := range xs {
			if math.Abs(x-edge) <= 3*em {
				n++
			}
		}
		return n
	}
	if near(leftEnds, g.start) < len(leftEnds)/2 || near(rightStarts, g.end) < len(rightStarts)/2 {
		return gutter{}, false
	}
	g.mid = (g.start + g.end) / 2
	return g, true
}

func upperQuartile(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)*3/4]
}

func lowerQuartile(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/4]
}

// splitRow sorts a row's glyphs left to right and cuts it at wide gaps and at the gutter.
func splitRow(gs []glyph, gut gutter, hasGutter bool) [][]glyph {
	gs = dedupe(sortedByX(gs))
	var segs [][]glyph
	start := 0
	for i := 1; i < len(gs); i++ {
		a, b := gs[i-1], gs[i]
		gap := b.x - (a.x + a.w)
		em := math.Max(a.size, b.size)
		crosses := hasGutter && a.x+a.w/2 < gut.mid && b.x+b.w/2 > gut.mid && gap >= 0.8*(gut.end-gut.start)
		if gap > segmentGapEm*em || crosses {
			segs = append(segs, gs[start:i])
			start = i
		}
	}
	return append(segs, gs[start:])
}

func sortedByX(gs []glyph) []glyph {
	out := slices.Clone(gs)
	// Stable: glyphs at the same x (zero-width marks) keep content-stream order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].x < out[j].x })
	return out
}

// dedupe drops glyphs drawn twice at (almost) the same spot, a common way to fake bold.
func dedupe(gs []glyph) []glyph {
	out := gs[:0:0]
	for _, g := range gs {
		if n := len(out); n > 0 {
			p := out[n-1]
			if p.s == g.s && math.Abs(p.x-g.x) < 0.15*g.size && math.Abs(p.y-g.y) < 0.15*g.size {
				continue
			}
		}
		out = append(out, g)
	}
	return out
}

func makeLine(gs []glyph, y float64) line {
	l := line{y: y, bold: true}
	l.x0, l.x1 = math.Inf(1), math.Inf(-1)
	var sb strings.Builder
	var prev, space *glyph
	var sizes []float64
	for i := range gs {
		g := &gs[i]
		if strings.TrimSpace(g.s) == "" {
			space = g
			continue
		}
		if prev != nil && (spaceBetween(*prev, space, *g) || needsSpace(*prev, *g)) {
			sb.WriteByte(' ')
		}
		sb.WriteString(g.s)
		l.x0, l.x1 = math.Min(l.x0, g.x), math.Max(l.x1, g.x+g.w)
		l.bold = l.bold && g.bold
		sizes = append(sizes, g.size)
		prev, space = g, nil
	}
	l.text = sb.String()
	if len(sizes) > 0 {
		l.size = median(sizes)
	} else {
		l.bold = false
	}
	return l
}

// spaceBetween reports whether an explicit space glyph really lies between a and b. Forms
// draw stray spaces from other text runs at arbitrary places ("M arried" in f1040nr.pdf); a
// space that starts before a's middle or after b's start separates nothing.
func spaceBetween(a glyph, sp *glyph, b glyph) bool {
	return sp != nil && sp.x >= a.x+a.w/2 && sp.x+sp.w/2 <= b.x+0.1*b.size
}

// needsSpace reports whether the gap between two neighbouring glyphs is a word space.
func needsSpace(a, b glyph) bool {
	em := (a.size + b.size) / 2
	gap := b.x - (a.x + a.w)
	thr := wordGapEm
	if (a.est || b.est) && a.run != b.run {
		thr = wordGapGuessEm
	}
	ra, _ := utf8.DecodeLastRuneInString(a.s)
	rb, _ := utf8.DecodeRuneInString(b.s)
	if isCJK(ra) && isCJK(rb) {
		thr = cjkGapEm
	}
	return gap > thr*em
}

// isCJK reports CJK letters and the CJK punctuation and full-width forms set between them:
// a gap between two of these is not a word space.
func isCJK(r rune) bool {
	return textkit.IsCJK(r) || textkit.IsCJKPunct(r)
}

// readingOrder sorts lines top to bottom. With two columns, the page is read in bands: lines
// that span both columns (titles, full-width figures) separate bands, and inside a band the
// whole left column is read before the right one.
func readingOrder(lines []line) []line {
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].y != lines[j].y {
			return lines[i].y > lines[j].y
		}
		return lines[i].x0 < lines[j].x0
	})
	out := make([]line, 0, len(lines))
	var left, right []line
	flush := func() {
		out = append(out, left...)
		out = append(out, right...)
		left, right = left[:0], right[:0]
	}
	for _, l := range lines {
		switch l.col {
		case 1:
			left = append(left, l)
		case 2:
			right = append(right, l)
		default:
			flush()
			out = append(out, l)
		}
	}
	flush()
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
