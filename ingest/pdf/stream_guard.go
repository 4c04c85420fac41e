package pdf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// lpdf.Interpret decodes a stream and tokenizes it with no bound: it buffers a whole token
// (a string, a name, a keyword), builds whole arrays and dictionaries, and keeps every operand
// on its stack until the next operator. A few kilobytes of Flate data that inflate to a
// gigabyte-long string, array or run of numbers therefore take gigabytes of memory, and since
// the parsing goroutine cannot be interrupted, it keeps growing after Extract has timed out.
//
// guardReader reads the decoded stream once before it is interpreted, through a lexer that only
// counts, and refuses streams that are too long or hold too much between two operators. Both
// limits are far above what real content streams, forms and CMaps contain (a page of text is a
// few kilobytes to a few megabytes; an operator's operands a few kilobytes).
const (
	maxStreamBytes  = 32 << 20 // decoded bytes of one content stream, form XObject or CMap
	maxPendingBytes = 1 << 20  // operand bytes between two operators (at nesting level 0)
)

var errStreamTooLarge = errors.New("stream expands beyond the size limits (decompression bomb?)")

// guardReader runs the counting lexer over rd; the caller limits rd to a little over
// maxStreamBytes. A read error ends the scan like the end of the data does.
func guardReader(rd io.Reader, stop func() bool) (err error) {
	br := bufio.NewReaderSize(rd, 64<<10)
	var total, pending int64
	depth := 0
	var tok []byte
	next := func() (byte, bool) {
		c, err := br.ReadByte()
		if err != nil {
			return 0, false
		}
		total++
		if total%(1<<20) == 0 && stop() {
			panic(errStopped)
		}
		return c, true
	}
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok && errors.Is(e, errStopped) {
				err = errStopped
				return
			}
			panic(p)
		}
	}()
	for {
		if total > maxStreamBytes {
			return fmt.Errorf("%w: more than %d MiB decoded", errStreamTooLarge, maxStreamBytes>>20)
		}
		if pending > maxPendingBytes {
			return fmt.Errorf("%w: more than %d MiB of operands without an operator", errStreamTooLarge, maxPendingBytes>>20)
		}
		c, ok := next()
		if !ok {
			return nil
		}
		switch {
		case isPDFSpace(c):
		case c == '%':
			for ok && c != '\n' && c != '\r' {
				c, ok = next()
			}
		case c == '(':
			// A literal string: balanced parentheses, backslash escapes the next byte.
			n, open := int64(1), 1
			for open > 0 {
				if c, ok = next(); !ok {
					break
				}
				n++
				switch c {
				case '\\':
					if _, ok = next(); !ok {
						break
					}
					n++
				case '(':
					open++
				case ')':
					open--
				}
				if n > maxPendingBytes {
					break
				}
			}
			pending += n
		case c == '[' || c == '{':
			depth++
			pending++
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
			pending++
		case c == '<' || c == '>':
			if b, err := br.Peek(1); err == nil && b[0] == c {
				next()
				if c == '<' {
					depth++
				} else {
					depth = max(depth-1, 0)
				}
				pending += 2
				continue
			}
			if c == '>' {
				pending++
				continue
			}
			n := int64(1) // a hex string up to '>'
			for ok && c != '>' && n <= maxPendingBytes {
				c, ok = next()
				n++
			}
			pending += n
		default:
			// A name, a number or a keyword: up to the next blank or delimiter.
			tok = append(tok[:0], c)
			for len(tok) <= maxPendingBytes {
				b, err := br.Peek(1)
				if err != nil || isPDFSpace(b[0]) || isPDFDelim(b[0]) {
					break
				}
				next()
				tok = append(tok, b[0])
			}
			if depth == 0 && isOperator(tok) {
				pending = 0
				continue
			}
			pending += int64(len(tok))
		}
	}
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// isOperator reports whether a regular token is an operator rather than a number, a name or
// one of the literals true, false and null.
func isOperator(tok []byte) bool {
	switch c := tok[0]; {
	case c == '/', c == '+', c == '-', c == '.', c >= '0' && c <= '9':
		return false
	}
	switch string(tok) {
	case "true", "false", "null":
		return false
	}
	return true
}
