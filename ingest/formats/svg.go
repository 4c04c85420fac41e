package formats

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/lorebase/lorebase/ingest"
)

// svgRoot matches the start of an SVG file: an optional XML declaration, comments and a
// doctype, then the <svg> root element.
var svgRoot = regexp.MustCompile(`(?is)^\x{FEFF}?\s*(<\?xml[^>]*\?>\s*)?((<!--.*?-->|<!doctype[^>]*>)\s*)*<svg[\s>/]`)

// LooksSVG reports whether data is an SVG image (its root element is <svg>), whatever its
// name or declared type says.
func LooksSVG(data []byte) bool {
	return svgRoot.Match(data[:min(len(data), 8192)])
}

// svgSkipped are elements whose content is never text for readers: code, styles and the
// definitions of reusable shapes.
var svgSkipped = map[string]bool{"script": true, "style": true, "defs": true, "metadata": true}

// SVG extracts the text of an SVG image: its title (the document's title), its descriptions
// and the content of its text elements, one paragraph each. The markup itself (elements,
// attributes, scripts, styles, event handlers) is never kept: an SVG is markup, not text.
func SVG(data []byte) (*ingest.Document, error) {
	text, doc, err := startDocument(data)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	// The bytes were decoded to UTF-8 above, whatever the declaration says.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		stack []string // open elements
		skip  int      // depth inside a skipped element
		cur   strings.Builder
	)
	flush := func(kind string) {
		t := strings.Join(strings.Fields(cur.String()), " ")
		cur.Reset()
		if t == "" {
			return
		}
		switch {
		case kind == "title" && doc.Title == "":
			doc.Title = t
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockHeading, Text: t, Level: 1})
		default:
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockParagraph, Text: t})
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(doc.Blocks) > 0 || cur.Len() > 0 {
				doc.Warnings = append(doc.Warnings, "the SVG is malformed after some text: "+err.Error())
				break
			}
			return nil, fmt.Errorf("%w: not a readable SVG image: %v", ErrNotText, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			if skip > 0 || svgSkipped[name] {
				skip++
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if skip > 0 {
				skip--
				continue
			}
			switch name {
			case "title", "desc", "text", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6":
				flush(name)
			case "tspan", "textpath", "a", "span":
				cur.WriteByte(' ')
			}
		case xml.CharData:
			if skip == 0 && textContext(stack) {
				cur.Write(t)
			}
		}
	}
	flush("")
	return finish(doc)
}

// textContext reports whether character data at this point is readable text: inside a
// title, desc or text element, or inside HTML embedded with foreignObject.
func textContext(stack []string) bool {
	for _, s := range stack {
		switch s {
		case "title", "desc", "text", "foreignobject":
			return true
		}
	}
	return false
}
