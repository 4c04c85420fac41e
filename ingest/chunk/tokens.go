package chunk

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

// sharedCodec loads cl100k_base once per process. A codec is safe for concurrent Encode/Count
// (read-only vocabulary maps; regexp2 documents its Regexp as safe for concurrent use) as long
// as nobody calls SetErrorMode, which this package never does and never exposes.
var sharedCodec = sync.OnceValues(func() (tokenizer.Codec, error) {
	return tokenizer.Get(tokenizer.Cl100kBase)
})

// CountTokens returns the cl100k_base token count of s after the whitespace normalisation the
// chunker applies to all text (CRLF to LF, trailing spaces dropped, blank-line runs collapsed).
// Normalising is not cosmetic: the tokenizer's split regex is quadratic on long runs that mix
// spaces and newlines (20k of " \n" takes seconds), so raw text must never reach it.
func (c *Chunker) CountTokens(s string) int {
	return c.count(normalize(s))
}

// count counts already-normalised text.
func (c *Chunker) count(s string) int {
	if s == "" {
		return 0
	}
	n, err := c.codec.Count(s)
	if err == nil {
		return n
	}
	// The regex engine bounds its backtracking stack and reports an error rather than
	// running away; halves are smaller, and the count of halves differs by at most a token.
	if utf8.RuneCountInString(s) < 2 {
		return len(s)
	}
	mid := len(s) / 2
	for mid > 0 && !utf8.RuneStart(s[mid]) {
		mid--
	}
	return c.count(s[:mid]) + c.count(s[mid:])
}

// normalize makes text safe and canonical for tokenizing: valid UTF-8, LF line ends, no
// trailing whitespace on lines, at most one blank line in a row, no blank lines at the ends.
func normalize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsAny(s, "\r\n") {
		return strings.TrimRightFunc(s, unicode.IsSpace)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
			if blank > 0 {
				b.WriteString("\n")
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return b.String()
}

// collapseSpaces turns any whitespace run into one space; for headings, which are one line.
func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// splitTokens cuts s into pieces of at most budget tokens at token boundaries that are also
// rune boundaries (byte-level BPE tokens can hold half a CJK character). The last resort for
// text with no sentence or line break to cut at.
func (c *Chunker) splitTokens(s string, budget int) []piece {
	_, toks, err := c.codec.Encode(s)
	ends := make([]int, 0, len(toks))
	off := 0
	for _, t := range toks {
		off += len(t)
		ends = append(ends, off)
	}
	if err != nil || off != len(s) {
		return c.splitRunes(s, budget)
	}
	var out []piece
	start, first := 0, 0 // byte offset and index of the first token of the current piece
	for first < len(ends) {
		j := min(first+budget, len(ends)) // exclusive token index
		for {
			for j > first+1 && ends[j-1] < len(s) && !utf8.RuneStart(s[ends[j-1]]) {
				j--
			}
			for j < len(ends) && ends[j-1] < len(s) && !utf8.RuneStart(s[ends[j-1]]) {
				j++ // a single token ending mid-rune: extend to the rune's end
			}
			// Re-tokenizing a slice can differ from the slice of tokens; verify exactly.
			if n := c.count(s[start:ends[j-1]]); n > budget && j > first+1 {
				j -= max(1, min(n-budget, j-first-1))
				continue
			}
			break
		}
		out = append(out, newPiece(s, start, ends[j-1]))
		start, first = ends[j-1], j
	}
	return out
}

// splitRunes is splitTokens' fallback when the tokenizer fails: at most budget runes per piece,
// one rune never being more than one... few tokens, so verify and halve.
func (c *Chunker) splitRunes(s string, budget int) []piece {
	var out []piece
	start := 0
	for start < len(s) {
		end, n := start, 0
		for end < len(s) && n < budget {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
		}
		for c.count(s[start:end]) > budget && n > 1 {
			n /= 2
			end = start
			for range n {
				_, size := utf8.DecodeRuneInString(s[end:])
				end += size
			}
		}
		out = append(out, newPiece(s, start, end))
		start = end
	}
	return out
}

// piece is a trimmed substring plus whether whitespace separated it from the previous piece.
type piece struct {
	text    string
	spaced  bool // whitespace preceded it in the source
	newline bool // that whitespace held a line break
}

func newPiece(s string, start, end int) piece {
	raw := s[start:end]
	text := strings.TrimLeftFunc(raw, unicode.IsSpace)
	lead := raw[:len(raw)-len(text)]
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	if start > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsSpace(prev) {
			lead = " "
		}
	}
	return piece{text: text, spaced: lead != "", newline: strings.Contains(lead, "\n")}
}
