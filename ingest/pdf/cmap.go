package pdf

import (
	"unicode/utf16"

	lpdf "github.com/ledongthuc/pdf"
)

// toUnicode is a parsed ToUnicode CMap. lpdf has a parser but only applies it when a font has
// no /Encoding (or Identity-H); simple fonts with a Differences encoding of private glyph names
// plus a ToUnicode map (kampo.pdf's Japanese font, many subset fonts) then decode to garbage.
// Lookups are map hits here, where lpdf scans every range for every code.
type toUnicode struct {
	chars  map[string]string
	ranges []cmapRange
}

type cmapRange struct {
	lo, hi string   // codes of equal length
	dst    []uint16 // UTF-16 of lo's text; the last unit counts up through the range
	list   []string // explicit texts, when the range maps to an array
}

const maxCmapEntries = 1 << 17

// readToUnicode parses the ToUnicode CMap of font, whose decoded stream is v.
func readToUnicode(font, v lpdf.Value) (m *toUnicode) {
	if v.Kind() != lpdf.Stream {
		return nil
	}
	// CMaps open with "/CIDInit /ProcSet findresource begin ... begincmap": lpdf.Interpret
	// implements "begin" itself and needs a dictionary on the stack, and lpdf offers no way to
	// make one. A freshly resolved FontDescriptor is a private copy (lpdf re-reads indirect
	// objects on every access) that the CMap's "def"s may scribble on harmlessly.
	scratch := font.Key("FontDescriptor")
	if scratch.Kind() != lpdf.Dict {
		scratch = font
	}
	defer func() {
		if recover() != nil {
			m = nil // a broken CMap means no mapping, not a broken page
		}
	}()
	m = &toUnicode{chars: map[string]string{}}
	lpdf.Interpret(v, func(stk *lpdf.Stack, op string) {
		args := make([]lpdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "findresource", "begincmap":
			stk.Push(scratch)
		case "endbfchar":
			for i := 0; i+1 < len(args) && len(m.chars) < maxCmapEntries; i += 2 {
				m.chars[args[i].RawString()] = utf16Text(args[i+1].RawString())
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && len(m.ranges) < maxCmapEntries; i += 3 {
				lo, hi, dst := args[i].RawString(), args[i+1].RawString(), args[i+2]
				if len(lo) != len(hi) || lo > hi || len(lo) == 0 {
					continue
				}
				r := cmapRange{lo: lo, hi: hi}
				switch dst.Kind() {
				case lpdf.String:
					r.dst = utf16Units(dst.RawString())
				case lpdf.Array:
					for j := 0; j < dst.Len() && j < 1<<16; j++ {
						r.list = append(r.list, utf16Text(dst.Index(j).RawString()))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, r)
			}
		}
	})
	if len(m.chars) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

func (m *toUnicode) lookup(code string) (string, bool) {
	if s, ok := m.chars[code]; ok {
		return s, true
	}
	for _, r := range m.ranges {
		if len(code) != len(r.lo) || code < r.lo || code > r.hi {
			continue
		}
		off := codeValue(code) - codeValue(r.lo)
		if r.list != nil {
			if off < len(r.list) {
				return r.list[off], true
			}
			return "", false
		}
		if len(r.dst) == 0 {
			return "", false
		}
		u := append([]uint16{}, r.dst...)
		u[len(u)-1] += uint16(off)
		return string(utf16.Decode(u)), true
	}
	return "", false
}

func codeValue(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n<<8 | int(s[i])
	}
	return n
}

func utf16Units(s string) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	if len(s)%2 == 1 { // some producers write one-byte destinations
		u = append(u, uint16(s[len(s)-1]))
	}
	return u
}

func utf16Text(s string) string { return string(utf16.Decode(utf16Units(s))) }
