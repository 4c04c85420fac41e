package pdf

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	lpdf "github.com/ledongthuc/pdf"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/font"
)

// A simple font without /Encoding (or whose /Differences leave codes undefined) uses the
// encoding built into its font program. TeX's math and symbol fonts are the common case: in
// cmmi, code 58 is "period" and 59 "comma"; in cmsy, 15 is "bullet" and 41 "arrowdblright".
// Read as Latin-1 they become ':' ';' and garbage, which turned every dot leader of a Texinfo
// manual into a colon. Poppler reads the embedded Type 1 program's encoding; so does this.

var type1Encoding = regexp.MustCompile(`dup\s+(\d{1,3})\s*/([^\s/\[\]{}()<>]+)\s+put`)

// maxType1Header bounds the cleartext part of an embedded Type 1 font that is read.
const maxType1Header = 64 << 10

// builtinEncoding returns the code → text table of the Type 1 program embedded in the font's
// descriptor (/FontFile), or nil.
func (d *document) builtinEncoding(v lpdf.Value) (table map[byte]string) {
	ff := v.Key("FontDescriptor").Key("FontFile")
	if ff.Kind() != lpdf.Stream {
		return nil
	}
	defer func() {
		if recover() != nil {
			table = nil // an unreadable font program: keep the default decoding
		}
	}()
	n := ff.Key("Length1").Int64()
	if n <= 0 || n > maxType1Header {
		n = maxType1Header
	}
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, io.LimitReader(ff.Reader(), n))
	d.decoded += int64(buf.Len())
	head := buf.Bytes()
	i := bytes.Index(head, []byte("/Encoding"))
	if i < 0 {
		return nil
	}
	head = head[i:]
	if end := bytes.Index(head, []byte("readonly def")); end >= 0 {
		head = head[:end]
	} else if end := bytes.Index(head, []byte("eexec")); end >= 0 {
		head = head[:end]
	}
	var diffs strings.Builder
	for _, m := range type1Encoding.FindAllSubmatch(head, 256) {
		code, err := strconv.Atoi(string(m[1]))
		if err != nil || code > 255 {
			continue
		}
		fmt.Fprintf(&diffs, "%d /%s ", code, m[2])
	}
	if diffs.Len() == 0 {
		return nil // StandardEncoding: the default decoding is close enough
	}
	return glyphNames(diffs.String())
}

// glyphNames decodes a Differences array body ("58 /period 59 /comma ...") into text per code,
// with lpdf's glyph list (which is not exported) applied through a one-object PDF, plus the
// uniXXXX and uXXXX[XX] names of the Adobe glyph naming convention.
func glyphNames(diffs string) map[byte]string {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	off := b.Len()
	fmt.Fprintf(&b, "1 0 obj\n<< /Type /Font /Subtype /Type1 /Encoding << /Differences [%s] >> >>\nendobj\n", diffs)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", off, xref)
	r, err := lpdf.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return nil
	}
	lf := lpdf.Font{V: r.Trailer().Key("Root")}
	enc := lf.Encoder()
	out := map[byte]string{}
	fields := strings.Fields(diffs)
	for i := 0; i+1 < len(fields); i += 2 {
		code, _ := strconv.Atoi(fields[i])
		name := strings.TrimPrefix(fields[i+1], "/")
		if s, ok := uniName(name); ok {
			out[byte(code)] = s
			continue
		}
		s := enc.Decode(string([]byte{byte(code)}))
		if s != string(rune(code)) && utf8.ValidString(s) {
			out[byte(code)] = s // found in the glyph list
		}
	}
	return out
}

func uniName(name string) (string, bool) {
	hex := ""
	switch {
	case strings.HasPrefix(name, "uni") && len(name) == 7:
		hex = name[3:]
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		hex = name[1:]
	default:
		return "", false
	}
	n, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return "", false
	}
	return string(rune(n)), true
}

// coreFontName maps a font's base name to one of the 14 standard fonts whose metrics every
// reader knows, or "". Old producers (and many slide tools) use these fonts without embedding
// them and without /Widths; guessed widths then glue or split words.
func coreFontName(base string) string {
	if i := strings.IndexByte(base, '+'); i == 6 {
		base = base[i+1:] // subset prefix
	}
	if pdffont.IsCoreFont(base) {
		return base
	}
	family, style := base, ""
	if i := strings.IndexAny(base, ",-"); i >= 0 {
		family, style = base[:i], strings.ToLower(base[i+1:])
	}
	bold := strings.Contains(style, "bold")
	italic := strings.Contains(style, "italic") || strings.Contains(style, "oblique")
	switch strings.TrimSuffix(strings.TrimSuffix(family, "MT"), "PS") {
	case "Arial", "Helvetica":
		return pick(bold, italic, "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique")
	case "TimesNewRoman", "Times":
		return pick(bold, italic, "Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic")
	case "CourierNew", "Courier":
		return pick(bold, italic, "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique")
	}
	return ""
}

func pick(bold, italic bool, regular, b, i, bi string) string {
	switch {
	case bold && italic:
		return bi
	case bold:
		return b
	case italic:
		return i
	}
	return regular
}

// coreWidths returns the widths of codes 0-255 (WinAnsi glyphs) of a standard font; 0 marks
// codes without a glyph.
func coreWidths(name string) []float64 {
	ws := make([]float64, 256)
	for c := 32; c < 256; c++ {
		// pdfcpu answers 1000 for a code without a glyph; real 1000-unit glyphs (the
		// em dash, "AE") are rare enough to be estimated instead.
		if w, err := pdffont.CharWidth(name, rune(c)); err == nil && w > 0 && w != 1000 {
			ws[c] = float64(w)
		}
	}
	return ws
}
