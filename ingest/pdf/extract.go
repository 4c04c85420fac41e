// Package pdf extracts the text of PDF files as an ingest.Document whose paragraphs read like
// the page: words rebuilt from glyph positions, two-column pages read column by column,
// end-of-line hyphenation removed, running headers, footers and page numbers dropped, and
// every block tagged with its 1-based page so answers can cite it.
//
// Parsing uses github.com/ledongthuc/pdf; files it cannot open (PDF 2.0 headers, junk before
// the header, AES-256, permissions-only encryption it cannot handle) are first rewritten with
// github.com/pdfcpu/pdfcpu. Neither library takes a context and both can panic or loop on
// hostile input, so Extract runs them in a goroutine bounded by Config.Timeout, recovers every
// panic into ErrCorrupt, and caps size, pages, nesting and work per page.
package pdf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	lpdf "github.com/ledongthuc/pdf"

	"github.com/lorebase/lorebase/ingest"
)

// Defaults for Config fields left zero.
const (
	MaxBytesDefault = 50 << 20
	MaxPagesDefault = 2000
	TimeoutDefault  = 2 * time.Minute
	// MaxDecodedBytesDefault and MaxOperatorsDefault are far above what real documents need:
	// the most demanding Debian manual measured (lwarp.pdf, 1,370 pages) decodes 11 MiB of
	// streams and runs 0.7 million operators.
	MaxDecodedBytesDefault = 256 << 20
	MaxOperatorsDefault    = 10_000_000
)

// Config bounds the work Extract may do on one file.
type Config struct {
	MaxBytes int64         // larger files fail with ErrTooLarge; default 50 MiB
	MaxPages int           // documents with more pages fail with ErrTooManyPages; default 2000
	Timeout  time.Duration // default 2 minutes; the context deadline applies too
	// MaxDecodedBytes bounds the bytes of all streams decoded for the document (a stream
	// shared by many pages counts once); MaxOperators bounds the content operators run on all
	// pages. Exceeding either fails with ErrTooComplex.
	MaxDecodedBytes int64
	MaxOperators    int64
}

func (c Config) withDefaults() Config {
	c.MaxBytes = cmp.Or(c.MaxBytes, MaxBytesDefault)
	c.MaxPages = cmp.Or(c.MaxPages, MaxPagesDefault)
	c.Timeout = cmp.Or(c.Timeout, TimeoutDefault)
	c.MaxDecodedBytes = cmp.Or(c.MaxDecodedBytes, MaxDecodedBytesDefault)
	c.MaxOperators = cmp.Or(c.MaxOperators, MaxOperatorsDefault)
	return c
}

// Extract returns the text of the PDF in data. Failures are one of the package's sentinel
// errors (test with errors.Is); problems that still leave text, such as a scanned page inside
// a text document, are reported in Document.Warnings.
//
// The PDF libraries cannot be interrupted, so on timeout or cancellation Extract returns at
// once while the abandoned parsing goroutine finishes in the background. It checks for
// abandonment between pages and every few thousand content operators, so it lingers for at
// most about one page's work, but it keeps data alive until then: callers must not modify data
// after Extract returns.
func Extract(ctx context.Context, data []byte, cfg Config) (*ingest.Document, error) {
	cfg = cfg.withDefaults()
	if int64(len(data)) > cfg.MaxBytes {
		return nil, fmt.Errorf("%w (%d bytes; the limit is %d)", ErrTooLarge, len(data), cfg.MaxBytes)
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err, cfg.Timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	type result struct {
		doc *ingest.Document
		err error
	}
	var abandoned atomic.Bool
	done := make(chan result, 1) // buffered: an abandoned goroutine must not block forever
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("%w: internal parser failure: %v", ErrCorrupt, p)}
			}
			done <- r
		}()
		d, err := newDocument(data, cfg, abandoned.Load)
		if err == nil {
			r.doc, r.err = d.extract()
		} else {
			r.err = err
		}
		if (errors.Is(r.err, ErrCorrupt) || errors.Is(r.err, ErrUnsupported)) && !abandoned.Load() && (d == nil || d.bombs == 0) {
			// Damaged cross-reference data is the most common damage: rebuild it by scanning
			// the file, as poppler does, and try again with what is left of the budgets.
			if fixed, ok := rebuildXref(data); ok {
				doc, err := func() (*ingest.Document, error) {
					d2, err := newDocument(fixed, cfg, abandoned.Load)
					if err != nil {
						return nil, err
					}
					if d != nil {
						d2.ops, d2.decoded = d.ops, d.decoded
					}
					return d2.extract()
				}()
				switch {
				case err == nil:
					doc.Warnings = append([]string{"the file's cross-reference table is damaged; it was rebuilt by scanning the file"}, doc.Warnings...)
					r = result{doc: doc}
				case errors.Is(err, ErrPasswordProtected):
					// Only the rebuilt table reaches the encryption dictionary.
					r = result{err: err}
				case encryptEntry.Match(fixed[len(data):]):
					// Encrypted and damaged beyond decryption (e.g. the /ID is lost): the
					// encryption is what a knowledge manager can act on.
					r = result{err: fmt.Errorf("%w (the file is also damaged: %v)", ErrPasswordProtected, err)}
				}
			}
		}
	}()

	select {
	case r := <-done:
		return r.doc, r.err
	case <-ctx.Done():
		abandoned.Store(true)
		return nil, ctxError(ctx.Err(), cfg.Timeout)
	}
}

// ctxError maps a deadline to ErrTimeout; a cancellation (shutdown) stays context.Canceled so
// the job is retried rather than reported as a bad file.
func ctxError(err error, limit time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (limit %s): %w", ErrTimeout, limit, err)
	}
	return err
}

// extract does the work synchronously; d.stop reports that the caller has given up.
func (d *document) extract() (*ingest.Document, error) {
	r, cfg := d.r, d.cfg
	pages, truncated, err := pageList(r, cfg.MaxPages)
	if err != nil {
		return nil, err
	}
	d.countShared(pages)
	doc := &ingest.Document{Pages: len(pages), Title: docTitle(r)}
	if truncated {
		doc.Warnings = append(doc.Warnings, "the page tree is malformed; pages after the damage may be missing")
	}

	perPage := make([][]line, len(pages))
	var withText, failed, undecoded int
	var firstErr error
	for i, p := range pages {
		if d.stop() {
			return nil, errStopped
		}
		pt, err := d.interpretPage(p)
		if errors.Is(err, errStopped) || errors.Is(err, ErrTooComplex) {
			return nil, err
		}
		n := i + 1
		for _, w := range pt.warnings {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %s", n, w))
		}
		if err != nil {
			failed++
			firstErr = cmp.Or(firstErr, err)
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: text could not be read completely (%v)", n, err))
		}
		if pt.undecoded > 0 {
			undecoded++
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %d characters use a font without a Unicode mapping and were skipped", n, pt.undecoded))
		}
		perPage[i] = layoutPage(pt.glyphs)
		if len(perPage[i]) > 0 {
			withText++
		} else if err == nil && pt.undecoded == 0 {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d has no text layer (scanned image?)", n))
		}
	}
	if withText == 0 {
		switch {
		case failed > 0:
			return nil, fmt.Errorf("%w: no page could be read: %w", ErrCorrupt, firstErr)
		case undecoded > 0:
			return nil, fmt.Errorf("%w: the fonts carry no Unicode mapping, so the text cannot be recovered", ErrUnsupported)
		}
		return nil, ErrNoText
	}

	removeRunning(perPage, slideDeck(pages))
	var paras []paragraph
	for i, lines := range perPage {
		paras = append(paras, paragraphs(i+1, lines)...)
	}
	doc.Blocks = toBlocks(paras)
	if doc.Title == "" {
		for _, b := range doc.Blocks {
			if b.Kind == ingest.BlockHeading && b.Level == 1 {
				doc.Title = b.Text
				break
			}
		}
	}
	return doc, nil
}

// pageList returns the page dictionaries in order. lpdf's Reader.Page walks the tree without a
// bound and loops forever on a Kids cycle, so the walk is done here with a depth limit and a
// node budget; truncated reports that the budget or depth limit cut the walk short.
func pageList(r *lpdf.Reader, maxPages int) (pages []lpdf.Value, truncated bool, err error) {
	defer recoverAs(&err, "page tree")
	root := r.Trailer().Key("Root").Key("Pages")
	if n := root.Key("Count").Int64(); n > int64(maxPages) {
		return nil, false, fmt.Errorf("%w (%d pages; the limit is %d)", ErrTooManyPages, n, maxPages)
	}
	type node struct {
		v     lpdf.Value
		depth int
	}
	stack := []node{{root, 0}}
	budget := 4*maxPages + 64
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if budget--; budget < 0 || n.depth > 64 {
			truncated = true
			break
		}
		kids := n.v.Key("Kids")
		if n.v.Key("Type").Name() == "Pages" || (kids.Kind() == lpdf.Array && n.v.Key("Type").Name() != "Page") {
			for i := kids.Len() - 1; i >= 0; i-- {
				stack = append(stack, node{kids.Index(i), n.depth + 1})
			}
			continue
		}
		if n.v.Kind() != lpdf.Dict {
			continue
		}
		if len(pages) >= maxPages {
			return nil, false, fmt.Errorf("%w (more than %d pages)", ErrTooManyPages, maxPages)
		}
		pages = append(pages, n.v)
	}
	if len(pages) == 0 {
		return nil, false, fmt.Errorf("%w: the document has no pages", ErrCorrupt)
	}
	return pages, truncated, nil
}

// slideDeck reports whether most pages are landscape: slides, which do not flow into each
// other, so a line repeated on each of them (the talk's title, author and event) is context for
// every slide rather than a running header that splits paragraphs.
func slideDeck(pages []lpdf.Value) (deck bool) {
	defer func() {
		if recover() != nil {
			deck = false
		}
	}()
	wide := 0
	for _, p := range pages {
		box := inherited(p, "MediaBox")
		if box.Len() == 4 {
			w := math.Abs(box.Index(2).Float64() - box.Index(0).Float64())
			h := math.Abs(box.Index(3).Float64() - box.Index(1).Float64())
			if rot := inherited(p, "Rotate").Int64(); rot%180 != 0 {
				w, h = h, w
			}
			if w > 1.2*h {
				wide++
			}
		}
	}
	return wide > len(pages)/2
}

// countShared records how many pages draw each content stream, so that streams shared by
// several pages are kept decoded for the next one.
func (d *document) countShared(pages []lpdf.Value) {
	defer func() { recover() }() // a broken Contents entry fails later, on its own page
	for _, p := range pages {
		c := p.Key("Contents")
		switch c.Kind() {
		case lpdf.Stream:
			d.shared[streamKey(c)]++
		case lpdf.Array:
			for i := 0; i < c.Len() && i < 1024; i++ {
				if s := c.Index(i); s.Kind() == lpdf.Stream {
					d.shared[streamKey(s)]++
				}
			}
		}
	}
}

func docTitle(r *lpdf.Reader) (title string) {
	defer func() {
		if recover() != nil {
			title = ""
		}
	}()
	t := strings.TrimSpace(r.Trailer().Key("Info").Key("Title").Text())
	// Producers often store the source file name as the title; that is no title for a reader.
	low := strings.ToLower(t)
	for _, ext := range []string{".doc", ".docx", ".pdf", ".txt", ".tex", ".dvi", ".indd", ".ps"} {
		if strings.HasSuffix(low, ext) {
			return ""
		}
	}
	return t
}
