package formats

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lorebase/lorebase/ingest"
)

// decodeText turns file bytes into UTF-8 text. UTF-8 (with or without BOM) and UTF-16 with a
// BOM decode exactly; anything else that is not valid UTF-8 is read as Windows-1252, the usual
// encoding of legacy Western files (it is a superset of Latin-1 for printable text). Bytes that
// look binary (NUL, many control characters) fail with ErrNotText instead of yielding garbage.
// The warning, when not empty, says a fallback encoding was used.
func decodeText(data []byte) (text, warning string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data[2:], true)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "", "", ErrEmpty
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", "", fmt.Errorf("%w: NUL byte at offset %d (binary file, or UTF-16 without a byte-order mark)", ErrNotText, i)
	}
	if utf8.Valid(data) {
		return string(data), "", checkControls(string(data))
	}
	text, bad := decodeMixed(data)
	if err := checkControls(text); err != nil {
		return "", "", err
	}
	return text, fmt.Sprintf("%d bytes were not valid UTF-8 (first at offset %d); decoded them as Windows-1252", bad, firstInvalidUTF8(data)), nil
}

func decodeUTF16(data []byte, bigEndian bool) (string, string, error) {
	if len(data)%2 != 0 {
		return "", "", fmt.Errorf("%w: UTF-16 file has an odd number of bytes", ErrNotText)
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	text := string(utf16.Decode(units))
	if strings.TrimSpace(text) == "" {
		return "", "", ErrEmpty
	}
	return text, "", checkControls(text)
}

// checkControls rejects text where more than 1 in 50 characters is a C0 control other than
// tab, newline, carriage return and form feed: real text has almost none, binary has many.
func checkControls(text string) error {
	controls, total := 0, 0
	for _, r := range text {
		total++
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			controls++
		}
	}
	if controls*50 > total {
		return fmt.Errorf("%w: %d of %d characters are control characters", ErrNotText, controls, total)
	}
	return nil
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// cp1252 maps bytes 0x80..0x9F; the rest of the byte range is Latin-1 (byte value = code
// point). The five holes keep their C1 code points, as WHATWG decoders do.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// decodeMixed keeps valid UTF-8 sequences and reads each invalid byte as Windows-1252, so a
// pure cp1252 file (whose high bytes almost never form valid UTF-8) and a UTF-8 file with a few
// pasted-in Latin-1 bytes both come out right.
func decodeMixed(data []byte) (string, int) {
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	bad := 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r != utf8.RuneError || n > 1 {
			b.Write(data[i : i+n])
			i += n
			continue
		}
		bad++
		switch c := data[i]; {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
		i++
	}
	return b.String(), bad
}

// startDocument decodes data to text and returns an empty document carrying the decoding
// warning, if any: the common start of every extractor.
func startDocument(data []byte) (string, *ingest.Document, error) {
	text, warning, err := decodeText(data)
	if err != nil {
		return "", nil, err
	}
	doc := &ingest.Document{}
	if warning != "" {
		doc.Warnings = append(doc.Warnings, warning)
	}
	return text, doc, nil
}
