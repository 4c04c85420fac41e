package formats

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/lorebase/lorebase/ingest"
)

// markdownParser is built once: goldmark parsers are stateless between Parse calls.
// goldmark rather than a hand-written parser because stripping inline markup correctly needs
// the CommonMark delimiter rules (snake_case_names, 2*3*4, escaped \*, entities, reference
// links, lazy list continuations) that a small parser gets wrong on real files; goldmark is
// CommonMark-compliant, has no dependencies, and ships the GitHub table extension.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough)).Parser()

// Markdown extracts headings (ATX and setext, with levels), paragraphs, lists (one block per
// list, one line per item, nesting indented), fenced and indented code, GitHub tables (rows
// "\n", cells " | ") and block quotes. Inline markup is stripped: links keep their text,
// images are dropped. A YAML front matter title becomes Document.Title, else the first
// level-1 heading does.
func Markdown(data []byte) (*ingest.Document, error) {
	src, doc, err := startDocument(data)
	if err != nil {
		return nil, err
	}
	body, title := frontMatter(src)
	doc.Title = title
	source := []byte(body)
	root := markdownParser.Parse(text.NewReader(source))
	x := &mdExtractor{src: source, doc: doc}
	x.blocks(root)
	return finish(doc)
}

type mdExtractor struct {
	src []byte
	doc *ingest.Document
}

func (x *mdExtractor) add(kind ingest.BlockKind, text string, level int) {
	if kind == ingest.BlockCode {
		text = strings.Trim(text, "\n") // indentation is meaning in code
	} else {
		// Dropped images and HTML leave double spaces behind; leading indentation is nesting.
		text = strings.TrimSpace(multiSpace.ReplaceAllString(text, "$1 "))
	}
	if strings.TrimSpace(text) == "" { // a fence around blank lines holds nothing to find
		return
	}
	if kind == ingest.BlockHeading && level == 1 && x.doc.Title == "" {
		x.doc.Title = text
	}
	x.doc.Blocks = append(x.doc.Blocks, ingest.Block{Kind: kind, Text: text, Level: level})
}

func (x *mdExtractor) blocks(parent ast.Node) {
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			x.add(ingest.BlockHeading, x.inline(n), n.Level)
		case *ast.Paragraph, *ast.TextBlock:
			x.add(ingest.BlockParagraph, x.inline(n), 0)
		case *ast.List:
			var b strings.Builder
			x.list(&b, n, 0)
			x.add(ingest.BlockList, b.String(), 0)
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			x.add(ingest.BlockCode, x.lines(n), 0)
		case *east.Table:
			x.add(ingest.BlockTable, x.table(n), 0)
		case *ast.HTMLBlock:
			x.add(ingest.BlockParagraph, stripTags(x.lines(n)), 0)
		case *ast.ThematicBreak:
		default: // block quotes, documents, extension containers: their children carry the text
			x.blocks(n)
		}
	}
}

// inline renders inline children as plain text.
func (x *mdExtractor) inline(n ast.Node) string {
	var b strings.Builder
	x.writeInline(&b, n)
	return strings.TrimSpace(b.String())
}

func (x *mdExtractor) writeInline(b *strings.Builder, parent ast.Node) {
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Value(x.src))
			switch {
			case n.HardLineBreak():
				b.WriteString("\n")
			case n.SoftLineBreak():
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.Label(x.src))
		case *ast.Image, *ast.RawHTML:
			// Images carry no text worth retrieving; raw inline HTML is markup.
		default: // emphasis, links, code spans, strikethrough: keep the text inside
			x.writeInline(b, n)
		}
	}
}

// list writes one line per item; nested lists follow their item, indented two spaces a level.
func (x *mdExtractor) list(b *strings.Builder, l *ast.List, depth int) {
	number := l.Start
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		var parts []string
		var nested []*ast.List
		for c := item.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.List:
				nested = append(nested, c)
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				parts = append(parts, strings.Join(strings.Fields(x.lines(c)), " "))
			case *ast.Paragraph, *ast.TextBlock:
				parts = append(parts, strings.ReplaceAll(x.inline(c), "\n", " "))
			default:
				parts = append(parts, strings.Join(strings.Fields(x.inline(c)), " "))
			}
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat("  ", depth))
		if l.IsOrdered() {
			fmt.Fprintf(b, "%d. ", number)
			number++
		} else {
			b.WriteString("- ")
		}
		b.WriteString(strings.Join(parts, " "))
		for _, n := range nested {
			x.list(b, n, depth+1)
		}
	}
}

// lines returns a block's raw lines (code, HTML) without their trailing newlines.
func (x *mdExtractor) lines(n ast.Node) string {
	var b strings.Builder
	segs := n.Lines()
	for i := range segs.Len() {
		seg := segs.At(i)
		b.Write(seg.Value(x.src))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (x *mdExtractor) table(t *east.Table) string {
	var rows []string
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		var cells []string
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, strings.Join(strings.Fields(x.inline(c)), " "))
		}
		if strings.TrimSpace(strings.Join(cells, "")) != "" {
			rows = append(rows, strings.Join(cells, " | "))
		}
	}
	return strings.Join(rows, "\n")
}

var (
	tagPattern = regexp.MustCompile(`<[^>]*>`)
	multiSpace = regexp.MustCompile(`(\S)[ \t]{2,}`)
)

// stripTags keeps the text of an HTML block (<details>, <p align=center>) without its tags.
func stripTags(s string) string {
	return strings.TrimSpace(tagPattern.ReplaceAllString(s, " "))
}

// frontMatter removes a leading YAML front matter block and returns its title. Only a plain
// top-level "title:" is read; a YAML library would be a dependency for one field.
func frontMatter(src string) (body, title string) {
	rest, ok := strings.CutPrefix(src, "---\n")
	if !ok {
		rest, ok = strings.CutPrefix(src, "---\r\n")
	}
	if !ok {
		return src, ""
	}
	var yaml string
	for _, end := range []string{"\n---\n", "\n...\n", "\n---\r\n", "\n---"} {
		if i := strings.Index(rest, end); i >= 0 && (end != "\n---" || i+len(end) == len(rest)) {
			yaml, body = rest[:i], rest[i+len(end):]
			break
		}
	}
	if yaml == "" && body == "" {
		return src, "" // no closing fence: a thematic break, not front matter
	}
	for line := range strings.SplitSeq(yaml, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "title:"); ok {
			v = strings.TrimSpace(v)
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			title = v
		}
	}
	return body, title
}
