package chunk

import (
	"strings"
	"testing"
	"unicode"

	"github.com/lorebase/lorebase/ingest"
)

// FuzzChunk builds a document from arbitrary text (lines starting with # become headings,
// blank lines separate blocks, a block's first character picks its kind) and checks the
// chunker never panics, never exceeds MaxTokens, and loses no word of body text.
func FuzzChunk(f *testing.F) {
	f.Add("# Title\n\nHello world. This is a test.\n\n|a | b\n1 | 2\n\n- x\n- y")
	f.Add(strings.Repeat("Sentence number one is here. ", 40))
	f.Add(strings.Repeat("数据库备份每天晚上自动运行一次。", 40))
	f.Add(strings.Repeat("x", 3000))
	f.Add(strings.Repeat(" \n", 500) + "end")
	f.Add("`code\n" + strings.Repeat("func main() { println(\"hi\") }\n", 60))
	f.Add("e.g. Dr. J. Smith... ok?! \"Yes.\" (No.) 1.2.3 v2. Next")
	c, err := New(Config{TargetTokens: 40, MaxTokens: 60, OverlapTokens: 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 20_000 {
			return
		}
		doc := fuzzDoc(s)
		chunks := c.Chunk(doc)
		var all strings.Builder
		for i, ch := range chunks {
			if ch.Position != i {
				t.Fatalf("chunk %d has position %d", i, ch.Position)
			}
			if n := c.CountTokens(ch.Content); n > 60 || n != ch.TokenCount {
				t.Fatalf("chunk %d: %d tokens (reported %d), max 60: %q", i, n, ch.TokenCount, ch.Content)
			}
			if strings.TrimSpace(ch.Content) == "" {
				t.Fatalf("chunk %d is blank", i)
			}
			all.WriteString(stripSpace(ch.Content))
		}
		joined := all.String()
		for _, b := range doc.Blocks {
			if b.Kind == ingest.BlockHeading {
				continue
			}
			for _, w := range words(normalize(b.Text)) {
				if !strings.Contains(joined, w) {
					t.Fatalf("word %q of block %q is in no chunk", w, b.Text)
				}
			}
		}
	})
}

func fuzzDoc(s string) *ingest.Document {
	doc := &ingest.Document{}
	for i, part := range strings.Split(s, "\n\n") {
		switch {
		case strings.HasPrefix(part, "#"):
			level := len(part) - len(strings.TrimLeft(part, "#"))
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockHeading, Level: level, Text: part[level:]})
		case strings.HasPrefix(part, "|"):
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockTable, Text: part[1:], Page: i})
		case strings.HasPrefix(part, "-"):
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockList, Text: part, Page: i})
		case strings.HasPrefix(part, "`"):
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockCode, Text: part[1:], Page: i})
		default:
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockParagraph, Text: part, Page: i})
		}
	}
	return doc
}

// words are whitespace-separated fields, cut after CJK terminators: the chunker may cut there
// and repeat the previous sentence as overlap, so only the pieces are guaranteed contiguous.
func words(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		for f != "" {
			i := strings.IndexFunc(f, isCJKTerminator)
			if i < 0 {
				out = append(out, f)
				break
			}
			out = append(out, f[:i])
			f = f[i:]
			_, size := firstRune(f)
			f = f[size:]
		}
	}
	return out
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
