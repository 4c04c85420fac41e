// Package pipeline runs the ingestion stages that do not touch the database: detect a file's
// type, extract a structured Document, chunk it and embed the chunks. Workers store the result;
// `lorebase extract` prints it. Both use this package, so the preview is what gets stored.
package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/formats"
	"github.com/lorebase/lorebase/ingest/html"
	"github.com/lorebase/lorebase/ingest/pdf"
)

// File types the pipeline extracts.
const (
	TypePDF      = "pdf"
	TypeText     = "text"
	TypeMarkdown = "markdown"
	TypeHTML     = "html"
	TypeCSV      = "csv"
	TypeJSON     = "json"
	TypeSVG      = "svg" // markup: only its text is extracted
)

// typeNames maps what clients send (file_type values, extensions, media types) to a type.
var typeNames = map[string]string{
	"pdf": TypePDF, ".pdf": TypePDF, "application/pdf": TypePDF,
	"text": TypeText, "txt": TypeText, ".txt": TypeText, "plain": TypeText, "text/plain": TypeText,
	"markdown": TypeMarkdown, "md": TypeMarkdown, ".md": TypeMarkdown, ".markdown": TypeMarkdown, "text/markdown": TypeMarkdown,
	"html": TypeHTML, "htm": TypeHTML, ".html": TypeHTML, ".htm": TypeHTML, "text/html": TypeHTML,
	"csv": TypeCSV, ".csv": TypeCSV, "text/csv": TypeCSV,
	"json": TypeJSON, ".json": TypeJSON, "application/json": TypeJSON,
	"svg": TypeSVG, ".svg": TypeSVG, "image/svg+xml": TypeSVG,
}

// SupportedTypes is the list shown in errors.
const SupportedTypes = "pdf, text, markdown, html, csv, json, svg"

// DetectType decides a file's type from the declared file_type (if any), the file name and the
// bytes, and refuses what the pipeline cannot read. The bytes win over the name: a declared PDF
// that is not one is refused, so the knowledge manager hears it now rather than from a failed job.
func DetectType(declared, fileName string, data []byte) (string, error) {
	t := ""
	if declared != "" {
		var ok bool
		if t, ok = typeNames[strings.ToLower(strings.TrimSpace(declared))]; !ok {
			return "", fmt.Errorf("%w: file_type %q is not supported (supported: %s)", lorebase.ErrUnsupported, declared, SupportedTypes)
		}
	} else if ext := strings.ToLower(filepath.Ext(fileName)); ext != "" {
		t = typeNames[ext]
	}
	isPDF := bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-"))
	switch {
	case t == TypePDF && !isPDF:
		return "", fmt.Errorf("%w: the file is not a PDF (no %%PDF- header)", lorebase.ErrUnsupported)
	case t == "" && isPDF:
		return TypePDF, nil
	case t != "" && t != TypePDF && looksBinary(data):
		return "", fmt.Errorf("%w: the file looks binary, not %s", lorebase.ErrUnsupported, t)
	case t != TypeHTML && !looksBinary(data) && formats.LooksSVG(data):
		// An SVG is markup whatever it is called: its text is extracted, its markup (scripts
		// included) never reaches a chunk.
		return TypeSVG, nil
	case t == TypeSVG:
		return "", fmt.Errorf("%w: the file is not an SVG image (no <svg> root element)", lorebase.ErrUnsupported)
	case t == "":
		if looksBinary(data) {
			return "", fmt.Errorf("%w: unknown binary file type (supported: %s)", lorebase.ErrUnsupported, SupportedTypes)
		}
		return TypeText, nil
	}
	return t, nil
}

// looksBinary reports NUL bytes or mostly invalid UTF-8 in the first 8 KiB.
func looksBinary(data []byte) bool {
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	if utf8.Valid(head) {
		return false
	}
	bad := 0
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		head = head[size:]
	}
	return bad > len(data[:min(len(data), 8192)])/10
}

// ExtractConfig bounds extraction.
type ExtractConfig struct {
	PDF pdf.Config
}

// Extract turns file bytes of a detected type into a Document.
func Extract(ctx context.Context, fileType string, data []byte, cfg ExtractConfig) (*ingest.Document, error) {
	switch fileType {
	case TypePDF:
		return pdf.Extract(ctx, data, cfg.PDF)
	case TypeText:
		return formats.Text(data)
	case TypeMarkdown:
		return formats.Markdown(data)
	case TypeCSV:
		return formats.CSV(data)
	case TypeJSON:
		return formats.JSON(data)
	case TypeSVG:
		return formats.SVG(data)
	case TypeHTML:
		page, err := ExtractHTML(data)
		if err != nil {
			return nil, err
		}
		return page.Document, nil
	}
	return nil, fmt.Errorf("%w: file type %q", lorebase.ErrUnsupported, fileType)
}

// ExtractHTML extracts an uploaded HTML file (no URL of its own) and returns the whole page,
// word counts included.
func ExtractHTML(data []byte) (*html.Page, error) {
	return html.Extract(bytes.NewReader(data), "text/html", &url.URL{})
}
