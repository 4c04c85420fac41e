package formats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lorebase/lorebase/ingest"
)

// Caps keep a hostile or accidental file (a 100-level nesting, a million-element array) from
// turning into an unbounded number of blocks; what they cut is reported in Warnings.
const (
	jsonMaxDepth = 32
	jsonMaxLines = 200_000
)

// JSON flattens a JSON document into "path.to.key: value" lines. Every object in an array
// becomes its own block (records are what people search for), other composite values are
// grouped per top-level element, and arrays of scalars become one "path: a, b, c" line.
// Key order is kept, numbers are kept as written. Several concatenated values (JSON Lines)
// are accepted. Invalid JSON fails with a *SyntaxError giving the offset.
func JSON(data []byte) (*ingest.Document, error) {
	text, doc, err := startDocument(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	f := &flattener{dec: dec, text: text, doc: doc}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, f.syntaxError(err)
		}
		if err := f.top(tok); err != nil {
			return nil, err
		}
	}
	f.flush()
	if f.deep {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("values nested deeper than %d levels were left out", jsonMaxDepth))
	}
	if f.lineCount > jsonMaxLines {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("only the first %d values were indexed", jsonMaxLines))
	}
	return finish(doc)
}

type flattener struct {
	dec       *json.Decoder
	text      string
	doc       *ingest.Document
	lines     []string
	lineCount int
	deep      bool
}

func (f *flattener) syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return newSyntaxError("json", f.text, se.Offset, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return newSyntaxError("json", f.text, int64(len(f.text)), "unexpected end of input")
	}
	return newSyntaxError("json", f.text, f.dec.InputOffset(), err.Error())
}

func (f *flattener) line(path, value string) {
	f.lineCount++
	if f.lineCount > jsonMaxLines {
		return
	}
	value = strings.Join(strings.Fields(value), " ")
	if path == "" {
		if value != "" { // {"":""} has nothing to say; an empty line would make an empty block
			f.lines = append(f.lines, value)
		}
		return
	}
	f.lines = append(f.lines, path+": "+value)
}

// flush closes the current block. Lines use BlockList so an oversized record is split between
// lines, never inside a "key: value" pair.
func (f *flattener) flush() {
	if len(f.lines) > 0 {
		f.doc.Blocks = append(f.doc.Blocks, ingest.Block{Kind: ingest.BlockList, Text: strings.Join(f.lines, "\n")})
		f.lines = nil
	}
}

// top handles one top-level value: an object's composite members and an array's composite
// elements get blocks of their own, with paths relative to the element.
func (f *flattener) top(tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok {
		f.line("", scalar(tok))
		return nil
	}
	f.flush()
	for f.dec.More() {
		path := ""
		if d == '{' {
			key, err := f.dec.Token()
			if err != nil {
				return f.syntaxError(err)
			}
			path = key.(string)
		}
		tok, err := f.dec.Token()
		if err != nil {
			return f.syntaxError(err)
		}
		_, composite := tok.(json.Delim)
		if composite {
			f.flush()
		}
		if err := f.value(path, tok, 1); err != nil {
			return err
		}
		if composite {
			f.flush()
		}
	}
	if _, err := f.dec.Token(); err != nil { // the closing delimiter
		return f.syntaxError(err)
	}
	f.flush()
	return nil
}

// value writes the value starting with tok under path.
func (f *flattener) value(path string, tok json.Token, depth int) error {
	d, ok := tok.(json.Delim)
	if !ok {
		f.line(path, scalar(tok))
		return nil
	}
	if depth > jsonMaxDepth {
		f.deep = true
		return f.skip()
	}
	if d == '{' {
		for f.dec.More() {
			key, err := f.dec.Token()
			if err != nil {
				return f.syntaxError(err)
			}
			tok, err := f.dec.Token()
			if err != nil {
				return f.syntaxError(err)
			}
			if err := f.value(join(path, key.(string)), tok, depth+1); err != nil {
				return err
			}
		}
	} else {
		if err := f.array(path, depth); err != nil {
			return err
		}
	}
	_, err := f.dec.Token()
	if err != nil {
		return f.syntaxError(err)
	}
	return nil
}

// array writes an array's elements: objects as blocks of their own, scalars gathered into
// one "path: a, b, c" line unless composite elements are mixed in.
func (f *flattener) array(path string, depth int) error {
	var scalars []string
	mixed := false
	for i := 0; f.dec.More(); i++ {
		tok, err := f.dec.Token()
		if err != nil {
			return f.syntaxError(err)
		}
		d, composite := tok.(json.Delim)
		if !composite {
			if mixed {
				f.line(fmt.Sprintf("%s[%d]", path, i), scalar(tok))
			} else {
				scalars = append(scalars, scalar(tok))
			}
			continue
		}
		if !mixed {
			for k, s := range scalars {
				f.line(fmt.Sprintf("%s[%d]", path, k), s)
			}
			scalars, mixed = nil, true
		}
		elem := fmt.Sprintf("%s[%d]", path, i)
		if d == '{' {
			f.flush()
		}
		if err := f.value(elem, tok, depth+1); err != nil {
			return err
		}
		if d == '{' {
			f.flush()
		}
	}
	if len(scalars) > 0 {
		f.line(path, strings.Join(scalars, ", "))
	}
	return nil
}

// skip consumes the rest of a composite value whose opening delimiter was already read.
func (f *flattener) skip() error {
	for open := 1; open > 0; {
		tok, err := f.dec.Token()
		if err != nil {
			return f.syntaxError(err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				open++
			} else {
				open--
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func scalar(tok json.Token) string {
	switch v := tok.(type) {
	case string:
		return v
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}
