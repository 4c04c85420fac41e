package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// rebuildXref repairs a file whose cross-reference data is damaged (wrong startxref, offsets
// shifted by inserted bytes, a zeroed or missing table, a truncated tail) the way poppler
// does: it scans the file for lines that open an object ("12 0 obj"), keeps the last
// definition of each object number (incremental updates append newer ones), and appends a
// fresh cross-reference table and trailer. Appending leaves every object at its offset.
//
// Objects inside compressed object streams cannot be listed in a classic table, so a file
// built only from object streams whose xref stream is lost stays unreadable (poppler cannot
// read those either). ok is false when no object or no document catalog was found.
func rebuildXref(data []byte) (fixed []byte, ok bool) {
	return rebuildXrefWith(data, nil)
}

// maxObjectID is the highest object number defined in data.
func maxObjectID(data []byte) int {
	_, maxID := scanObjects(data)
	return maxID
}

type objEntry struct {
	off int
	gen int
}

// scanObjects finds every "obj" keyword that is not the end of "endobj" and is preceded by
// "N G": objects may start mid-line ("endobj64 0 obj<<" in files with CR line ends or none
// at all). The last definition of a number wins.
func scanObjects(data []byte) (map[int]objEntry, int) {
	objs := map[int]objEntry{}
	maxID := 0
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte("obj"))
		if k < 0 {
			break
		}
		p := i + k
		i = p + 3
		if p+3 < len(data) && isLetter(data[p+3]) {
			continue // "object"
		}
		if id, gen, start, ok := objHeaderBefore(data, p); ok && id > 0 && id < 1<<23 {
			objs[id] = objEntry{start, gen}
			maxID = max(maxID, id)
		}
	}
	return objs, maxID
}

// rebuildXrefWith is rebuildXref with a given trailer dictionary (nil: found in the file).
func rebuildXrefWith(data, trailer []byte) (fixed []byte, ok bool) {
	objs, maxID := scanObjects(data)
	if len(objs) == 0 {
		return nil, false
	}
	if trailer == nil {
		trailer = lastTrailer(data)
	}
	if trailer == nil {
		// A file with cross-reference streams has no "trailer": the last XRef stream's
		// dictionary carries /Root, /Encrypt, /ID and /Info.
		last := -1
		for _, e := range objs {
			end := min(len(data), e.off+64)
			if k := bytes.Index(data[e.off:end], []byte("<<")); k >= 0 && e.off > last {
				if d := balancedDict(data[e.off+k:]); d != nil && xrefType.Match(d) && bytes.Contains(d, []byte("/Root")) {
					trailer, last = append([]byte{}, d...), e.off
				}
			}
		}
	}
	if trailer == nil {
		// No trailer dictionary survives: point /Root at the catalog.
		root := 0
		for id, e := range objs {
			end := min(len(data), e.off+1024)
			if catalogType.Match(data[e.off:end]) && (root == 0 || e.off > objs[root].off) {
				root = id
			}
		}
		if root == 0 {
			return nil, false
		}
		trailer = []byte(fmt.Sprintf("<< /Root %d %d R >>", root, objs[root].gen))
		for id, e := range objs {
			// Keep the file's encryption visible: without it the file reads as garbage, with
			// it the reader reports a password (or, lacking the /ID, damage) honestly.
			end := min(len(data), e.off+256)
			if standardFilter.Match(data[e.off:end]) {
				trailer = []byte(fmt.Sprintf("<< /Root %d %d R /Encrypt %d %d R >>", root, objs[root].gen, id, e.gen))
				break
			}
		}
	}
	trailer = prevEntry.ReplaceAll(trailer, nil)
	size := []byte("/Size " + strconv.Itoa(maxID+1))
	if sizeEntry.Match(trailer) {
		trailer = sizeEntry.ReplaceAll(trailer, size)
	} else {
		trailer = append(append(append([]byte("<< "), size...), ' '), trailer[2:]...)
	}

	var b bytes.Buffer
	b.Grow(len(data) + 20*(maxID+1) + len(trailer) + 64)
	b.Write(data)
	b.WriteString("\n")
	start := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", maxID+1)
	for id := 1; id <= maxID; id++ {
		if e, ok := objs[id]; ok {
			fmt.Fprintf(&b, "%010d %05d n \n", e.off, e.gen)
		} else {
			b.WriteString("0000000000 00000 f \n")
		}
	}
	b.WriteString("trailer\n")
	b.Write(trailer)
	fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", start)
	return b.Bytes(), true
}

var (
	catalogType    = regexp.MustCompile(`^\d+\s+\d+\s+obj\s*<<(?s:.)*?/Type\s*/Catalog\b`)
	xrefType       = regexp.MustCompile(`/Type\s*/XRef\b`)
	standardFilter = regexp.MustCompile(`^\d+\s+\d+\s+obj\s*<<(?s:.)*?/Filter\s*/Standard\b`)
	prevEntry      = regexp.MustCompile(`/(Prev|XRefStm)\s+\d+`)
	sizeEntry      = regexp.MustCompile(`/Size\s+\d+`)
)

// objHeaderBefore parses "N G " just before the "obj" at p and returns where N starts.
func objHeaderBefore(data []byte, p int) (id, gen, start int, ok bool) {
	j := p
	for j > 0 && p-j < 8 && isBlank(data[j-1]) {
		j--
	}
	ge := j
	for j > 0 && ge-j < 6 && isDigit(data[j-1]) {
		j--
	}
	if j == ge || j == 0 || !isBlank(data[j-1]) {
		return 0, 0, 0, false
	}
	gs := j
	for j > 0 && gs-j < 8 && isBlank(data[j-1]) {
		j--
	}
	ie := j
	for j > 0 && ie-j < 11 && isDigit(data[j-1]) {
		j--
	}
	if j == ie || (j > 0 && isDigit(data[j-1])) {
		return 0, 0, 0, false
	}
	id, _ = strconv.Atoi(string(data[j:ie]))
	gen, _ = strconv.Atoi(string(data[gs:ge]))
	return id, gen, j, true
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' || c == 0
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// lastTrailer returns the dictionary after the file's last "trailer" keyword that is complete
// and names the catalog (a linearized file's last trailer often has only /Size and /ID), or
// nil.
func lastTrailer(data []byte) []byte {
	for end := len(data); end > 0; {
		i := bytes.LastIndex(data[:end], []byte("trailer"))
		if i < 0 {
			return nil
		}
		end = i
		j := bytes.Index(data[i:min(len(data), i+64)], []byte("<<"))
		if j < 0 {
			continue
		}
		if d := balancedDict(data[i+j:]); d != nil && bytes.Contains(d, []byte("/Root")) {
			return append([]byte{}, d...)
		}
	}
	return nil
}

// balancedDict returns the "<< ... >>" dictionary at the start of b, nested dictionaries
// and strings included, or nil when it does not close within 64 KiB.
func balancedDict(b []byte) []byte {
	depth := 0
	for i := 0; i+1 < len(b) && i < 64<<10; i++ {
		switch {
		case b[i] == '(':
			// Skip a literal string (IDs are usually hex, but not always).
			open := 1
			for i++; i < len(b) && open > 0; i++ {
				switch b[i] {
				case '\\':
					i++
				case '(':
					open++
				case ')':
					open--
				}
			}
			i--
		case b[i] == '<' && b[i+1] == '<':
			depth++
			i++
		case b[i] == '>' && b[i+1] == '>':
			depth--
			i++
			if depth == 0 {
				return b[:i+1]
			}
		}
	}
	return nil
}
