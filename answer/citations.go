package answer

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// citationRun matches [1], [1, 2] and [1][2] style markers.
var citationRun = regexp.MustCompile(`\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]`)

// citations returns the passage numbers an answer cites, in first-cited order, keeping only
// numbers of passages that exist, and the answer with its markers renumbered to index that
// list 1-based: the reply's sources are the cited passages in that order, so the first passage
// cited becomes [1] whatever its number in the prompt, and a marker always names a source a
// widget can show. Markers of passages that do not exist are removed (a model that cites [7]
// of five passages must not produce a phantom source).
func citations(answer string, passages int) ([]int, string) {
	seen := map[int]int{} // passage number → its source number
	var order []int
	cleaned := citationRun.ReplaceAllStringFunc(answer, func(m string) string {
		var keep []string
		for _, part := range strings.Split(strings.Trim(m, "[]"), ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n < 1 || n > passages {
				continue
			}
			if seen[n] == 0 {
				order = append(order, n)
				seen[n] = len(order)
			}
			keep = append(keep, strconv.Itoa(seen[n]))
		}
		if len(keep) == 0 {
			return ""
		}
		return "[" + strings.Join(keep, "][") + "]"
	})
	return order, strings.TrimSpace(strings.ReplaceAll(cleaned, " .", "."))
}

// citeCurated marks a curated answer as citing its one source, like every other answer: the
// marker goes before the final punctuation of the answer's last sentence, or after the text
// when it ends otherwise (a link, a code line).
func citeCurated(answer string) string {
	answer = strings.TrimSpace(answer)
	if answer == "" || citationRun.MatchString(answer) {
		return answer
	}
	lastLine := answer[strings.LastIndexByte(answer, '\n')+1:]
	if t := strings.TrimSpace(lastLine); strings.HasPrefix(t, "```") || strings.HasPrefix(t, "|") {
		return answer + "\n\n[1]" // after a code fence or a table row the marker would break the block
	}
	last, size := utf8.DecodeLastRuneInString(answer)
	switch last {
	case '.', '!', '?':
		return answer[:len(answer)-size] + " [1]" + string(last)
	case '。', '！', '？':
		return answer[:len(answer)-size] + "[1]" + string(last)
	}
	return answer + " [1]"
}
