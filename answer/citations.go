package answer

import (
	"regexp"
	"strconv"
	"strings"
)

// citationRun matches [1], [1, 2] and [1][2] style markers.
var citationRun = regexp.MustCompile(`\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]`)

// citations returns the passage numbers an answer cites, in first-cited order, keeping only
// numbers of passages that exist, and the answer with markers of non-existent passages removed
// (a model that cites [7] of five passages must not produce a phantom source).
func citations(answer string, passages int) ([]int, string) {
	seen := map[int]bool{}
	var order []int
	cleaned := citationRun.ReplaceAllStringFunc(answer, func(m string) string {
		var keep []string
		for _, part := range strings.Split(strings.Trim(m, "[]"), ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n < 1 || n > passages {
				continue
			}
			keep = append(keep, strconv.Itoa(n))
			if !seen[n] {
				seen[n] = true
				order = append(order, n)
			}
		}
		if len(keep) == 0 {
			return ""
		}
		return "[" + strings.Join(keep, "][") + "]"
	})
	return order, strings.TrimSpace(strings.ReplaceAll(cleaned, " .", "."))
}
