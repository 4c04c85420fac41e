// Package pdftest writes small, valid, text-layer PDFs for tests and for the project's own
// test data: each page is a list of lines set in Helvetica, with an optional bigger heading.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// Page is one page: an optional heading and lines of body text.
type Page struct {
	Heading string
	Lines   []string
}

// Build returns a PDF 1.4 document with one page per entry.
func Build(title string, pages []Page) []byte {
	var objs []string
	// 1: catalog, 2: pages, 3: font, 4: bold font, 5: info; then a content and a page object
	// for each page (6 and 7 for the first).
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 7+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Title (%s) /Producer (lorebase pdftest) >>", escape(title)),
	)
	for _, p := range pages {
		var c strings.Builder
		y := 760
		if p.Heading != "" {
			fmt.Fprintf(&c, "BT /F2 18 Tf 72 %d Td (%s) Tj ET\n", y, escape(p.Heading))
			y -= 36
		}
		for _, line := range p.Lines {
			if line == "" {
				y -= 10
				continue
			}
			fmt.Fprintf(&c, "BT /F1 11 Tf 72 %d Td (%s) Tj ET\n", y, escape(line))
			y -= 15
		}
		content := c.String()
		contentRef := len(objs) + 1
		objs = append(objs,
			fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content),
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>", contentRef),
		)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}

// SharedStream builds the hostile document of issue 14: pages pages whose Contents all refer
// to one Flate stream that inflates to about size bytes of drawing operators (after one line
// of text). A naive reader decodes and runs the whole stream once per page.
func SharedStream(pages, size int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write([]byte("BT /F1 12 Tf 72 700 Td (Shared content stream) Tj ET\n"))
	chunk := []byte(strings.Repeat("q 1 0 0 1 0 0 cm 0 0 m 10 10 l S Q\n", 1<<10))
	for n := 0; n < size; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Close()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>", "",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()),
	}
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 5+i))
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>")
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}
