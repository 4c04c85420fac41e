package pdf

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Running headers and footers (journal names, "Confidential", page numbers) repeat on every
// page; left in, they split paragraphs that continue across pages and pollute every chunk that
// contains a page break. A line is treated as running when it sits at the top or bottom edge
// of its page (see edgeLineIndexes) and its text, with digits masked, appears there on at least half
// of the pages (and on at least minRunningPages pages). Bare page numbers at the edges are
// dropped on any document with more than one page.

const (
	edgeRows        = 2
	minRunningPages = 3
)

var pageNumberRE = regexp.MustCompile(`(?i)^(page|p\.|seite|pág\.?|página)?\s*[-–—(\[]?\s*(\d{1,5}|[ivxlcdm]{1,8})\s*((of|/|von|de)\s*\d{1,5})?\s*[-–—)\]]?$`)

// removeRunning drops running headers and footers from pages in place, except their first
// occurrence, and page numbers, and reports how many lines it removed.
//
// On slides (keepRepeated) only page numbers go: slides do not flow into each other, and the
// line each one repeats (talk, author, event) is context for every slide.
func removeRunning(pages [][]line, keepRepeated bool) int {
	if len(pages) < 2 {
		return 0
	}
	edges := make([][]int, len(pages))
	count := map[string]int{}
	for p, lines := range pages {
		edges[p] = edgeLineIndexes(lines)
		seen := map[string]bool{}
		for _, i := range edges[p] {
			k := runningKey(lines[i].text)
			if k != "" && !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	need := max(minRunningPages, (len(pages)+1)/2)
	if keepRepeated {
		need = len(pages) + 1 // nothing repeats often enough
	}
	removed := 0
	keptOnce := map[string]bool{}
	for p, lines := range pages {
		drop := map[int]bool{}
		for _, i := range edges[p] {
			t := strings.TrimSpace(lines[i].text)
			switch k := runningKey(t); {
			case pageNumberRE.MatchString(t):
				drop[i] = true
			case count[k] >= need && keptOnce[k]:
				drop[i] = true
			case count[k] >= need:
				// The first copy stays: a conference name, a report title or a confidentiality
				// note is content once, and only noise when repeated on every page.
				keptOnce[k] = true
			}
		}
		if len(drop) == 0 {
			continue
		}
		kept := lines[:0]
		for i, l := range lines {
			if !drop[i] {
				kept = append(kept, l)
			}
		}
		removed += len(lines) - len(kept)
		pages[p] = kept
	}
	return removed
}

// edgeLineIndexes returns the lines in the outermost row at the top and at the bottom of a
// page, plus the next row inwards when a wide gap (over 2 em) separates it from the body, as
// with a header above a rule. Pages with few rows have no edge: every line would qualify.
func edgeLineIndexes(lines []line) []int {
	type rowInfo struct{ y, size float64 }
	bySize := map[float64]float64{}
	for _, l := range lines {
		bySize[l.y] = max(bySize[l.y], l.size)
	}
	var rows []rowInfo
	for y, size := range bySize {
		rows = append(rows, rowInfo{y, size})
	}
	if len(rows) <= 2*edgeRows+1 {
		return nil
	}
	slices.SortFunc(rows, func(a, b rowInfo) int { return cmp.Compare(b.y, a.y) })
	edge := map[float64]bool{rows[0].y: true, rows[len(rows)-1].y: true}
	if rows[1].y-rows[2].y > 2*rows[1].size {
		edge[rows[1].y] = true
	}
	if n := len(rows); rows[n-3].y-rows[n-2].y > 2*rows[n-2].size {
		edge[rows[n-2].y] = true
	}
	var idx []int
	for i, l := range lines {
		if edge[l.y] {
			idx = append(idx, i)
		}
	}
	return idx
}

// runningKey normalises a line so that "Page 3 of 10" and "Page 4 of 10" compare equal.
func runningKey(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsDigit(r):
			if !strings.HasSuffix(sb.String(), "#") {
				sb.WriteByte('#')
			}
		case unicode.IsSpace(r):
			if sb.Len() > 0 && !strings.HasSuffix(sb.String(), " ") {
				sb.WriteByte(' ')
			}
		default:
			sb.WriteRune(r)
		}
	}
	return strings.TrimSpace(sb.String())
}
