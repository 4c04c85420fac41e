// Package formats extracts ingest.Documents from the simple text formats users upload: plain
// text, Markdown, CSV and JSON. Each extractor takes the whole file as bytes, repairs the
// encoding (UTF-8, UTF-16 with BOM, else Windows-1252) and returns structured blocks for the
// chunker, or an error that says what is wrong with the file.
package formats

import (
	"errors"
	"fmt"

	"github.com/lorebase/lorebase/ingest"
)

var (
	// ErrEmpty means the file holds no extractable text.
	ErrEmpty = errors.New("empty document")
	// ErrNotText means the bytes are not text in any encoding we accept (binary data).
	ErrNotText = errors.New("not a text file")
	// ErrInvalid means the file is text but malformed for its format; the error is a
	// *SyntaxError with a position.
	ErrInvalid = errors.New("invalid document")
)

// SyntaxError locates malformed input so a knowledge manager can fix the file.
type SyntaxError struct {
	Format string // "json", "csv"
	Offset int64  // byte offset into the decoded UTF-8 text
	Line   int    // 1-based
	Column int    // 1-based, in runes
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid %s at line %d, column %d (byte %d): %s", e.Format, e.Line, e.Column, e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }

// newSyntaxError fills Line and Column from a byte offset into text.
func newSyntaxError(format, text string, offset int64, msg string) *SyntaxError {
	offset = min(max(offset, 0), int64(len(text)))
	line, col := 1, 1
	for _, r := range text[:offset] {
		if r == '\n' {
			line, col = line+1, 1
			continue
		}
		col++
	}
	return &SyntaxError{Format: format, Offset: offset, Line: line, Column: col, Msg: msg}
}

// finish returns doc, or ErrEmpty when extraction found no text outside headings: headings
// alone produce no chunks, so storing such a document would only look like a success.
func finish(doc *ingest.Document) (*ingest.Document, error) {
	for _, b := range doc.Blocks {
		if b.Kind != ingest.BlockHeading {
			return doc, nil
		}
	}
	if len(doc.Blocks) > 0 {
		return nil, fmt.Errorf("%w: only headings, no body text", ErrEmpty)
	}
	return nil, ErrEmpty
}
