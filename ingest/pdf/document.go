package pdf

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"

	lpdf "github.com/ledongthuc/pdf"
)

// A document is one PDF being read, with the work it has done so far. Two budgets bound that
// work for the whole document, not per page: a 408 KB file whose 2,000 pages share one 31 MiB
// content stream costs nothing per page that a per-page limit would catch, yet decoding and
// running that stream 2,000 times held a worker for its whole timeout.
//
//   - decoded bytes: every stream the interpreter reads (page contents, form XObjects, CMaps)
//     is decoded once into memory and counted; a stream shared by several pages or drawn
//     several times is decoded once and served from the document's cache afterwards.
//   - operators: every content operator run, on every page, counts.
//
// Either budget running out fails the document with ErrTooComplex: its text would be the same
// few lines repeated, and finishing it would starve everyone else's ingestion.
type document struct {
	r    *lpdf.Reader
	cfg  Config
	stop func() bool

	decoded int64 // bytes decoded so far (cache hits cost nothing)
	ops     int64 // content operators run so far
	bombs   int   // streams refused as too large: damage no cross-reference repair can fix

	// cache holds decoded streams by stream identity (see streamKey); cached is the bytes
	// it holds, capped at maxCacheBytes so a document cannot pin unbounded memory.
	cache  map[string]decodedStream
	cached int64
	// shared counts how many pages draw each page content stream: a stream drawn by one page
	// only is not worth keeping after that page.
	shared map[string]int
	fonts  map[string]*font
}

type decodedStream struct {
	v    lpdf.Value // the decoded bytes, as an unfiltered stream lpdf.Interpret can read
	data []byte     // the same bytes
	err  error      // a decoding error after a readable prefix (the prefix is in v)
}

// maxCacheBytes caps the decoded streams a document keeps for reuse.
const maxCacheBytes = 64 << 20

// errTooComplex reports which document budget ran out; it unwinds the interpreter by panic.
type errTooComplex struct{ what string }

func (e errTooComplex) Error() string { return ErrTooComplex.Error() + ": " + e.what }
func (e errTooComplex) Unwrap() error { return ErrTooComplex }

func newDocument(data []byte, cfg Config, stop func() bool) (*document, error) {
	r, err := open(data)
	if err != nil {
		return nil, err
	}
	return &document{
		r: r, cfg: cfg, stop: stop,
		cache:  map[string]decodedStream{},
		shared: map[string]int{},
		fonts:  map[string]*font{},
	}, nil
}

// countOp charges one operator to the document.
func (d *document) countOp() {
	d.ops++
	if d.ops > d.cfg.MaxOperators {
		panic(errTooComplex{fmt.Sprintf("more than %d million content operators (the limit for one document)", d.cfg.MaxOperators/1_000_000)})
	}
}

// stream returns the decoded content of a stream, or of an array of streams read as one, as a
// Value for lpdf.Interpret. A stream over the size limits is refused with errStreamTooLarge; a
// stream that fails to decode part-way returns the readable prefix and the error.
func (d *document) stream(v lpdf.Value, cache bool) (lpdf.Value, error) {
	s, err := d.decoded1(v, cache)
	return s.v, err
}

func (d *document) decoded1(v lpdf.Value, cache bool) (decodedStream, error) {
	if v.Kind() == lpdf.Array {
		var all []byte
		var firstErr error
		for i := 0; i < v.Len() && i < 1024; i++ {
			elem := v.Index(i)
			if elem.Kind() != lpdf.Stream {
				// Only streams: an array that contains itself (through a reference) would
				// otherwise recurse until the stack overflows, which no recover catches.
				firstErr = cmp.Or(firstErr, fmt.Errorf("%w: content array holds a %v", ErrCorrupt, elem.Kind()))
				continue
			}
			ps, err := d.decoded1(elem, cache)
			part := ps.data
			if errors.Is(err, errStreamTooLarge) || errors.Is(err, errStopped) || errors.Is(err, ErrTooComplex) {
				return decodedStream{}, err
			}
			if firstErr == nil {
				firstErr = err
			}
			if len(all)+len(part) > maxStreamBytes {
				return decodedStream{}, fmt.Errorf("%w: more than %d MiB decoded", errStreamTooLarge, maxStreamBytes>>20)
			}
			all = append(append(all, part...), '\n')
		}
		var b bytes.Buffer
		b.WriteString(wrapperHead)
		b.Write(all)
		return wrap(&b), firstErr
	}
	key := streamKey(v)
	if c, ok := d.cache[key]; ok {
		return c, c.err
	}
	s, err := d.decode(v)
	if errors.Is(err, errStreamTooLarge) || errors.Is(err, errStopped) || errors.Is(err, ErrTooComplex) {
		return decodedStream{}, err
	}
	s.err = err
	if cache && d.cached+int64(len(s.data)) <= maxCacheBytes {
		d.cache[key] = s
		d.cached += int64(len(s.data))
	}
	return s, err
}

// decode reads the stream's decoded bytes through guardReader's counting lexer, charging them
// to the document's decoded-bytes budget.
func (d *document) decode(v lpdf.Value) (s decodedStream, err error) {
	if v.Kind() != lpdf.Stream {
		return s, fmt.Errorf("%w: content is not a stream", ErrCorrupt)
	}
	left := d.cfg.MaxDecodedBytes - d.decoded
	limit := min(int64(maxStreamBytes), left)
	var buf bytes.Buffer
	buf.WriteString(wrapperHead)
	var rd io.Reader
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%v", p) // an unsupported filter or a broken filter header
			}
		}()
		rd = v.Reader()
	}()
	if err != nil {
		return s, err
	}
	er := &errReader{r: rd}
	gerr := guardReader(io.TeeReader(io.LimitReader(er, limit+1), &buf), d.stop)
	n := int64(buf.Len() - len(wrapperHead))
	d.decoded += n
	switch {
	case gerr != nil && !errors.Is(gerr, errStreamTooLarge):
		return s, gerr // errStopped
	case n > left:
		return s, errTooComplex{fmt.Sprintf("more than %d MiB of decoded streams (the limit for one document)", d.cfg.MaxDecodedBytes>>20)}
	case gerr != nil:
		d.bombs++
		return s, gerr
	}
	if k := sanitizeContent(buf.Bytes()[len(wrapperHead):]); k < int(n) {
		buf.Truncate(len(wrapperHead) + k)
	}
	return wrap(&buf), er.err
}

// errReader remembers the first error other than io.EOF, so a stream that breaks part-way
// is read up to the damage and the damage still reported.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (n int, err error) {
	defer func() {
		if x := recover(); x != nil {
			n, err = 0, fmt.Errorf("%v", x)
			e.err = err
		}
	}()
	n, err = e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// wrap makes decoded bytes readable by lpdf.Interpret, which only takes a Value: b holds
// wrapperHead and then the data; wrap completes it into a one-object PDF whose object 1 is an
// unfiltered stream of the data (the Length placeholder is patched in place, so the data is
// not copied again).
const wrapperHead = "%PDF-1.4\n1 0 obj\n<< /Length 0000000000 >>\nstream\n"

func wrap(b *bytes.Buffer) decodedStream {
	n := b.Len() - len(wrapperHead)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(b, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len("%PDF-1.4\n"), xref)
	out := b.Bytes()
	at := len("%PDF-1.4\n1 0 obj\n<< /Length ")
	copy(out[at:at+10], fmt.Sprintf("%010d", n))
	r, err := lpdf.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		return decodedStream{} // cannot happen: the wrapper is well-formed
	}
	return decodedStream{v: r.Trailer().Key("Root"), data: out[len(wrapperHead) : len(wrapperHead)+n]}
}

// sharedContent reports whether a page content stream (or any part of an array of them) is
// drawn by more than one page.
func (d *document) sharedContent(v lpdf.Value) bool {
	if v.Kind() == lpdf.Array {
		return true // parts are small and often shared (a common prologue)
	}
	return d.shared[streamKey(v)] > 1
}

// font returns the font for a font dictionary, loaded once per document: fonts are shared by
// most pages, and loading one reads its ToUnicode CMap and width tables.
func (d *document) font(v lpdf.Value) *font {
	key := ""
	if v.Kind() == lpdf.Dict {
		// The dictionary's own text (references unresolved) identifies it: two font objects
		// with the same entries are the same font.
		if key = v.String(); len(key) > 16<<10 {
			key = ""
		}
	}
	if f, ok := d.fonts[key]; ok && key != "" {
		return f
	}
	f := loadFont(v, d)
	if key != "" && len(d.fonts) < 4096 {
		d.fonts[key] = f
	}
	return f
}
