package pdf

import "bytes"

// sanitizeContent rewrites, in place, the escapes of literal strings that lpdf's tokenizer
// rejects: the PDF specification says a backslash before any other character is ignored
// ("\p" is "p"), but lpdf panics on it, and the panic loses the rest of the page. pdfTeX
// writes such strings in marked-content properties (/ActualText (... \protect ...) BDC), which
// cost microtype's manual three quarters of its text. Comments and inline image data are
// copied untouched. It returns the new length of data.
func sanitizeContent(data []byte) int {
	if !hasBadEscape(data) {
		return len(data)
	}
	w := 0
	depth := 0 // literal string nesting; 0 outside strings
	for r := 0; r < len(data); r++ {
		c := data[r]
		switch {
		case depth > 0 && c == '\\' && r+1 < len(data):
			n := data[r+1]
			if !validEscape(n) {
				continue // drop the backslash; n is copied next round
			}
			data[w], data[w+1] = c, n
			w += 2
			r++
			continue
		case depth > 0 && c == '(':
			depth++
		case depth > 0 && c == ')':
			depth--
		case depth > 0:
		case c == '(':
			depth = 1
		case c == '%':
			// A comment runs to the end of the line.
			end := r
			for end < len(data) && data[end] != '\n' && data[end] != '\r' {
				end++
			}
			w += copy(data[w:], data[r:end])
			r = end - 1
			continue
		case c == 'I' && r+2 < len(data) && data[r+1] == 'D' && isBlank(data[r+2]) && (r == 0 || isBlank(data[r-1])):
			// Inline image data: binary up to "EI" between blanks.
			end := r + 3
			for end+2 <= len(data) {
				k := bytes.Index(data[end:], []byte("EI"))
				if k < 0 {
					end = len(data)
					break
				}
				end += k
				if isBlank(data[end-1]) && (end+2 == len(data) || isBlank(data[end+2]) || isPDFDelim(data[end+2])) {
					break
				}
				end += 2
			}
			end = min(end, len(data))
			w += copy(data[w:], data[r:end])
			r = end - 1
			continue
		}
		data[w] = c
		w++
	}
	return w
}

func validEscape(c byte) bool {
	switch c {
	case 'n', 'r', 't', 'b', 'f', '(', ')', '\\', '\r', '\n':
		return true
	}
	return c >= '0' && c <= '7'
}

// hasBadEscape is a quick test: a backslash followed by a character lpdf rejects, anywhere.
func hasBadEscape(data []byte) bool {
	for i := 0; ; {
		k := bytes.IndexByte(data[i:], '\\')
		if k < 0 || i+k+1 >= len(data) {
			return false
		}
		i += k + 1
		if !validEscape(data[i]) {
			return true
		}
		i++ // "\\\\" must not make the second backslash an escape
	}
}
