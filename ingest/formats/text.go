package formats

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lorebase/lorebase/ingest"
)

// Text extracts plain text: paragraphs are separated by blank lines, hard-wrapped lines are
// joined, runs of bullet or numbered lines become list blocks, and a few unmistakable heading
// shapes become headings. Heading detection is conservative because a false heading would
// reset the chunker's section and cut a paragraph off its context.
func Text(data []byte) (*ingest.Document, error) {
	text, doc, err := startDocument(data)
	if err != nil {
		return nil, err
	}
	for _, para := range paragraphs(text) {
		doc.Blocks = append(doc.Blocks, textBlocks(para)...)
	}
	return finish(doc)
}

// paragraphs splits text on blank lines, returning each paragraph's trimmed lines.
func paragraphs(text string) [][]string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out [][]string
	var cur []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimSpace(line) == "" || line == "\f" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimLeftFunc(line, unicode.IsSpace))
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// textBlocks classifies one paragraph. A heading line directly followed by text (no blank
// line) is split off, which is how many READMEs and exported docs are written.
func textBlocks(lines []string) []ingest.Block {
	if len(lines) >= 2 && isUnderline(lines[1]) && !isUnderline(lines[0]) {
		level := 1
		if lines[1][0] == '-' {
			level = 2
		}
		head := ingest.Block{Kind: ingest.BlockHeading, Text: lines[0], Level: level}
		return append([]ingest.Block{head}, textBlocks(lines[2:])...)
	}
	if len(lines) == 0 {
		return nil
	}
	if level, ok := headingLevel(lines[0]); ok {
		head := ingest.Block{Kind: ingest.BlockHeading, Text: lines[0], Level: level}
		return append([]ingest.Block{head}, textBlocks(lines[1:])...)
	}
	if isList(lines) {
		return []ingest.Block{{Kind: ingest.BlockList, Text: joinItems(lines)}}
	}
	return []ingest.Block{{Kind: ingest.BlockParagraph, Text: strings.Join(lines, " ")}}
}

var (
	// "2.3 Installing the agent", "4) Limits", "Chapter 7: Backups", "Section B Results".
	numberedHeading = regexp.MustCompile(`^(\d{1,2}(?:\.\d{1,2})*)[.)]?\s+\p{Lu}`)
	namedHeading    = regexp.MustCompile(`^(?i:chapter|part|section|appendix)\s+[\dIVXLC]+[A-Z]?\b`)
	cjkHeading      = regexp.MustCompile(`^第[0-9〇一二三四五六七八九十百]+([章节部篇])`) // 第一章 概述
	listItem        = regexp.MustCompile(`^(?:[-*•▪◦‣–]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)`)
)

// headingLevel accepts a line as a heading only if it is short, has no sentence punctuation
// at its end, and is either numbered like a section, named like one, or written in capitals.
func headingLevel(line string) (int, bool) {
	words := strings.Fields(line)
	if len(words) == 0 || len(words) > 12 || utf8.RuneCountInString(line) > 80 {
		return 0, false
	}
	last, _ := utf8.DecodeLastRuneInString(line)
	if strings.ContainsRune(".,;!?", last) {
		return 0, false
	}
	if m := numberedHeading.FindStringSubmatch(line); m != nil {
		return min(strings.Count(m[1], ".")+1, 6), true
	}
	if namedHeading.MatchString(line) {
		return 1, true
	}
	if m := cjkHeading.FindStringSubmatch(line); m != nil {
		if m[1] == "节" {
			return 2, true
		}
		return 1, true
	}
	letters, upper := 0, 0
	for _, r := range line {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return 1, letters >= 4 && upper == letters && len(words) <= 8
}

func isUnderline(line string) bool {
	line = strings.TrimSpace(line)
	return len(line) >= 3 && (strings.Trim(line, "=") == "" || strings.Trim(line, "-") == "")
}

// isList wants every line to carry a marker, except wrapped continuation lines; two items
// at least, so a paragraph starting "1. " is not mistaken for a list.
func isList(lines []string) bool {
	items := 0
	for i, l := range lines {
		if listItem.MatchString(l) {
			items++
		} else if i == 0 {
			return false
		}
	}
	return items >= 2 && items*2 >= len(lines)
}

// joinItems puts one item per line, folding wrapped continuation lines into their item.
func joinItems(lines []string) string {
	var items []string
	for _, l := range lines {
		if listItem.MatchString(l) || len(items) == 0 {
			items = append(items, l)
			continue
		}
		items[len(items)-1] += " " + l
	}
	return strings.Join(items, "\n")
}
