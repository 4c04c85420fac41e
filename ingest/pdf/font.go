package pdf

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	lpdf "github.com/ledongthuc/pdf"
)

// font is what the interpreter needs from a font dictionary: how to split a string operand into
// character codes, how to turn a code into text, and how far a code advances. Metrics are read
// once here because lpdf's Font.Width re-resolves the Widths array on every call.
type font struct {
	name    string
	enc     lpdf.TextEncoding // nil: single-byte codes read as Latin-1
	uni     *toUnicode        // the font's ToUnicode map, preferred over enc
	twoByte bool              // composite (Type0) font: two-byte codes
	ucs2    bool              // codes are UTF-16BE (Uni*-UCS2-* CMaps)
	noMap   bool              // no way to Unicode: the glyphs are drawn but carry no text
	first   int
	widths  []float64 // simple fonts, 1/1000 em, indexed by code-first
	cidW    map[int]float64
	dw      float64 // default CID width
	est     bool    // no metrics at all: widths are guessed
	guess   float64 // guessed advance for est fonts
	bold    bool
	// builtin is the encoding of the embedded font program, for the codes that neither the
	// ToUnicode map nor the Differences (differs) define.
	builtin map[byte]string
	differs map[byte]bool
	// table caches the decoding of all 256 one-byte codes: lpdf's Differences decoder walks
	// the whole Differences array for every byte, which was a fifth of extraction time.
	table *[256]decoded
}

type decoded struct {
	s  string
	ok bool
}

const maxWidthEntries = 1 << 16

func loadFont(v lpdf.Value, d *document) *font {
	if v.Kind() != lpdf.Dict {
		return &font{est: true, guess: 500}
	}
	base := v.Key("BaseFont").Name()
	f := &font{name: base, bold: isBoldName(base), guess: 500}
	if strings.Contains(strings.ToLower(base), "courier") || strings.Contains(strings.ToLower(base), "mono") {
		f.guess = 600
	}
	// Both readToUnicode and lpdf's Encoder interpret the ToUnicode stream; a bomb there is
	// refused once, up front, and the font then falls back to its encoding's defaults. The
	// CMap is decoded through the document, which counts it and keeps it for other fonts.
	tu := v.Key("ToUnicode")
	refused := false
	if tu.Kind() == lpdf.Stream {
		cmap, err := d.stream(tu, true)
		if errors.Is(err, errStopped) || errors.Is(err, ErrTooComplex) {
			panic(err)
		}
		refused = errors.Is(err, errStreamTooLarge)
		if !refused {
			f.uni = readToUnicode(v, cmap)
		}
	}
	if v.Key("Subtype").Name() == "Type0" {
		f.loadComposite(v)
		return f
	}
	if !refused {
		lf := lpdf.Font{V: v}
		f.enc = lf.Encoder()
	}
	// Codes the font dictionary leaves to the font program's own encoding.
	switch enc := v.Key("Encoding"); {
	case enc.Kind() == lpdf.Null && v.Key("Subtype").Name() == "Type1",
		enc.Kind() == lpdf.Dict && enc.Key("BaseEncoding").IsNull():
		if f.builtin = d.builtinEncoding(v); f.builtin != nil {
			f.differs = map[byte]bool{}
			diffs := enc.Key("Differences")
			code := -1
			for i := 0; i < diffs.Len() && i < 512; i++ {
				switch x := diffs.Index(i); x.Kind() {
				case lpdf.Integer:
					code = int(x.Int64())
				case lpdf.Name:
					if code >= 0 && code < 256 {
						f.differs[byte(code)] = true
					}
					code++
				}
			}
		}
	}
	f.first = int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	scale := 1.0
	if v.Key("Subtype").Name() == "Type3" {
		// Type3 widths are in glyph space; FontMatrix maps them to text space (usually 0.001).
		if fm := v.Key("FontMatrix"); fm.Len() == 6 && fm.Index(0).Float64() != 0 {
			scale = fm.Index(0).Float64() * 1000
		}
	}
	for i := 0; i < ws.Len() && i < 256; i++ {
		f.widths = append(f.widths, ws.Index(i).Float64()*scale)
	}
	if len(f.widths) == 0 && v.Key("Subtype").Name() != "Type3" {
		if core := coreFontName(base); core != "" {
			f.widths, f.first = coreWidths(core), 0
		}
	}
	f.est = len(f.widths) == 0
	var t [256]decoded
	for c := range 256 {
		t[c].s, t[c].ok = f.decodeCode(string([]byte{byte(c)}))
	}
	f.table = &t
	return f
}

func (f *font) loadComposite(v lpdf.Value) {
	f.twoByte = true
	enc := v.Key("Encoding").Name()
	switch {
	case f.uni != nil:
	case strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16"),
		strings.HasPrefix(v.Key("ToUnicode").Name(), "Identity"):
		// A ToUnicode of /Identity-H (a name, not a CMap) is invalid, but producers that write
		// it (issue-625-identity-cmap.pdf) use the Unicode value as the code; poppler agrees.
		f.ucs2 = true
		f.ucs2 = true
	default:
		// Identity without ToUnicode, or a legacy CMap (e.g. 90ms-RKSJ-H) lpdf cannot decode.
		f.noMap = true
	}
	desc := v.Key("DescendantFonts").Index(0)
	f.dw = 1000
	if dw := desc.Key("DW"); dw.Kind() == lpdf.Integer || dw.Kind() == lpdf.Real {
		f.dw = dw.Float64()
	}
	// W is a list of "c [w1 w2 ...]" and "cfirst clast w" groups.
	w := desc.Key("W")
	f.cidW = map[int]float64{}
	for i := 0; i < w.Len() && len(f.cidW) < maxWidthEntries; {
		c := int(w.Index(i).Int64())
		next := w.Index(i + 1)
		if next.Kind() == lpdf.Array {
			for j := 0; j < next.Len() && len(f.cidW) < maxWidthEntries; j++ {
				f.cidW[c+j] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		last := int(next.Int64())
		width := w.Index(i + 2).Float64()
		for c2 := c; c2 <= last && len(f.cidW) < maxWidthEntries; c2++ {
			f.cidW[c2] = width
		}
		i += 3
	}
}

func isBoldName(base string) bool {
	b := strings.ToLower(base)
	for _, s := range []string{"bold", "black", "heavy", "demi", "semibold", "-medi", ",medi"} {
		if strings.Contains(b, s) {
			return true
		}
	}
	return false
}

// decode returns the text of one character code; ok is false when the font has no usable
// Unicode mapping for it.
func (f *font) decode(code string) (text string, ok bool) {
	if f.table != nil && len(code) == 1 {
		d := f.table[code[0]]
		return d.s, d.ok
	}
	return f.decodeCode(code)
}

func (f *font) decodeCode(code string) (text string, ok bool) {
	if f.uni != nil {
		if s, ok := f.uni.lookup(code); ok {
			return clean(s)
		}
		if f.twoByte {
			return "", false
		}
	}
	if s, ok := f.builtin[code[0]]; ok && len(code) == 1 && !f.differs[code[0]] {
		return clean(s)
	}
	switch {
	case f.noMap:
		return "", false
	case f.ucs2:
		u := make([]uint16, 0, len(code)/2)
		for i := 0; i+1 < len(code); i += 2 {
			u = append(u, uint16(code[i])<<8|uint16(code[i+1]))
		}
		return clean(string(utf16.Decode(u)))
	case f.enc == nil:
		return clean(string(rune(code[0])))
	}
	s := f.enc.Decode(code)
	if !utf8.ValidString(s) {
		// lpdf's fallback encoder returns the raw bytes; for one-byte codes Latin-1 is the
		// best guess (ASCII is right, which covers most of it).
		if len(code) == 1 {
			return clean(string(rune(code[0])))
		}
		return "", false
	}
	return clean(s)
}

// clean drops characters that are not text (controls, the replacement character).
func clean(s string) (string, bool) {
	ok := true
	out := strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError:
			ok = false
			return -1
		case r == '\t' || r == '\n' || r == '\r' || r == 0xa0:
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(out, "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06") {
		out = ligatures.Replace(out)
	}
	return out, ok
}

// ligatures spells out the Latin typographic ligatures: "ﬁle" is not the word "file" to a
// search index or a reader's query (poppler decomposes them too).
var ligatures = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl", "\ufb05", "st", "\ufb06", "st")

// width returns a code's advance in 1/1000 em and whether it came from the font's metrics.
func (f *font) width(code string) (float64, bool) {
	if f.twoByte {
		if len(code) < 2 {
			return f.dw, true
		}
		cid := int(code[0])<<8 | int(code[1])
		if w, ok := f.cidW[cid]; ok {
			return w, true
		}
		return f.dw, true
	}
	if i := int(code[0]) - f.first; !f.est && i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i], true
	}
	if code == " " {
		return 250, false
	}
	return f.guess, false
}
