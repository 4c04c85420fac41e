package formats

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/lorebase/lorebase/ingest"
)

// csvMaxRows bounds the blocks one spreadsheet can produce; beyond it the rest is reported in
// Warnings rather than silently indexed or silently lost.
const csvMaxRows = 100_000

// CSV extracts one block per data row, rendered "Header1: value1; Header2: value2" with empty
// cells left out. One self-contained row per block retrieves best: a query naming a value and
// a column ("price of the X200") matches the row's own text, and wherever the chunker cuts,
// every row still says what its numbers mean. Grouping rows under a header once would save
// tokens but make rows in the middle of a chunk unreadable on their own.
//
// The delimiter (, ; tab |) is sniffed; quoted fields, a BOM, ragged rows and stray quotes are
// accepted. The first row is the header unless it is all numbers.
func CSV(data []byte) (*ingest.Document, error) {
	text, doc, err := startDocument(data)
	if err != nil {
		return nil, err
	}
	r := newCSVReader(text, sniffDelimiter(text))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, csvError(text, r, err)
	}
	header = cleanHeader(header)
	var rows []string
	if allNumeric(header) {
		rows = append(rows, renderRow(nil, header))
		header = nil
	}
	ragged, dropped := 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(text, r, err)
		}
		if len(rows) >= csvMaxRows {
			dropped++
			continue
		}
		if header != nil && len(rec) != len(header) {
			ragged++
		}
		if row := renderRow(header, rec); row != "" {
			rows = append(rows, row)
		}
	}
	if header != nil && len(rows) == 0 {
		// A single line: the "header" is the only data there is.
		rows = append(rows, renderRow(nil, header))
	}
	for _, row := range rows {
		doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockParagraph, Text: row})
	}
	if ragged > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("%d rows have a different number of cells than the header (%d)", ragged, len(header)))
	}
	if dropped > 0 {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("only the first %d rows were indexed; %d more were skipped", csvMaxRows, dropped))
	}
	return finish(doc)
}

func newCSVReader(text string, delim rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.FieldsPerRecord = -1 // ragged rows are common in exported sheets
	r.LazyQuotes = true    // so are stray quotes inside unquoted fields
	r.TrimLeadingSpace = true
	return r
}

func csvError(text string, r *csv.Reader, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		se := newSyntaxError("csv", text, r.InputOffset(), pe.Err.Error())
		se.Line, se.Column = pe.Line, pe.Column // the reader's own position is exact
		return se
	}
	return fmt.Errorf("read csv: %w", err)
}

// sniffDelimiter parses the first lines with each candidate and keeps the one giving the most
// rows of the same width above one column; ties go to the earlier, more common candidate.
func sniffDelimiter(text string) rune {
	sample := text[:min(len(text), 64<<10)]
	best, bestScore := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		r := newCSVReader(sample, d)
		widths := map[int]int{}
		for range 50 {
			rec, err := r.Read()
			if err != nil {
				break
			}
			widths[len(rec)]++
		}
		for width, rows := range widths {
			// Consistent rows count most; width breaks ties between consistent candidates.
			if score := rows*1000 + width; width > 1 && score > bestScore {
				best, bestScore = d, score
			}
		}
	}
	return best
}

// cleanHeader names blank header cells by position so their values keep a label.
func cleanHeader(h []string) []string {
	for i, name := range h {
		h[i] = strings.Join(strings.Fields(name), " ")
		if h[i] == "" {
			h[i] = "Column " + strconv.Itoa(i+1)
		}
	}
	return h
}

func allNumeric(cells []string) bool {
	for _, c := range cells {
		if _, err := strconv.ParseFloat(strings.TrimSpace(c), 64); err != nil {
			return false
		}
	}
	return true
}

// renderRow writes "Header: value; ..." skipping empty cells; cells beyond the header get
// positional names. Without a header it lists the values.
func renderRow(header, rec []string) string {
	var parts []string
	for i, v := range rec {
		v = strings.Join(strings.FieldsFunc(v, unicode.IsSpace), " ")
		if v == "" {
			continue
		}
		switch {
		case header == nil:
			parts = append(parts, v)
		case i < len(header):
			parts = append(parts, header[i]+": "+v)
		default:
			parts = append(parts, "Column "+strconv.Itoa(i+1)+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}
