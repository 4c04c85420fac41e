package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile inputs must be bounded in time and memory: Extract returns within its Timeout, and
// the heap stays small while it runs and while an abandoned parser goroutine lingers after it.
//
// These tests measure the process heap, so they do not run in parallel with each other or
// with anything else in the package.

const (
	hostileTimeout = 2 * time.Second
	// hostileHeapLimit is the most the heap may grow above its level before the extraction.
	hostileHeapLimit = 300 << 20
	// bombSize is what each decompression bomb inflates to.
	bombSize = 1 << 30
)

// heapPeak samples HeapAlloc every few milliseconds until stop is called and returns the peak
// growth over the level at the start.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
				peak = ms.HeapAlloc - base
			}
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(quit)
		wg.Wait()
		return peak
	}
}

// bombStream returns a FlateDecode stream object whose data inflates to prefix, then fill
// repeated up to bombSize bytes, then suffix. Compressing a gigabyte takes a moment, so the
// streams are built once per test binary.
func bombStream(prefix, fill, suffix string) string {
	bombsMu.Lock()
	defer bombsMu.Unlock()
	key := prefix + "\x00" + fill + "\x00" + suffix
	if s, ok := bombs[key]; ok {
		return s
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zw.Write([]byte(prefix))
	chunk := []byte(strings.Repeat(fill, (1<<20)/len(fill)))
	for n := 0; n < bombSize; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Write([]byte(suffix))
	zw.Close()
	s := fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes())
	bombs[key] = s
	return s
}

var (
	bombsMu sync.Mutex
	bombs   = map[string]string{}
)

// onePage is a document whose single page has the content stream object 4 and the font 5.
func onePage(content string, extra ...string) []byte {
	return buildPDF(append([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		content,
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}, extra...))
}

// hostileCases are the inputs: decompression bombs in each place a stream is read, and
// object structures that nest or refer to themselves.
func hostileCases() map[string]func() []byte {
	text := "BT /F1 12 Tf 72 700 Td (Hello bomb) Tj ET\n"
	return map[string]func() []byte{
		// A gigabyte of blanks: the tokenizer only has to skip them.
		"flate bomb of whitespace": func() []byte { return onePage(bombStream(text, " ", "")) },
		// A gigabyte-long string operand: a tokenizer that buffers a token grows without end.
		"flate bomb of one string": func() []byte { return onePage(bombStream(text+"BT (", "A", ") Tj ET")) },
		// Half a billion operands and no operator: the operand stack grows without end.
		"flate bomb of operands": func() []byte { return onePage(bombStream(text, "1 ", " Tj")) },
		// A gigabyte-long array: one operand holding everything.
		"flate bomb of one array": func() []byte { return onePage(bombStream(text+"BT [", "1 ", "] TJ ET")) },
		// The bomb in a ToUnicode CMap that the font loader reads.
		"flate bomb in a ToUnicode CMap": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
				stream(text),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
				bombStream("/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <48> <", "0041", "> endbfchar endcmap"),
			})
		},
		// The bomb in a form XObject the page draws.
		"flate bomb in a form XObject": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X 6 0 R >> >> >>",
				stream(text + "/X Do"),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				strings.Replace(bombStream("BT /F1 12 Tf 72 600 Td (", "B", ") Tj ET"), "<< ", "<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] ", 1),
			})
		},
		// Arrays nested a hundred thousand deep in the content stream.
		"deeply nested arrays": func() []byte {
			return onePage(stream(text + "BT " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + " TJ ET"))
		},
		// Dictionaries nested deep in the page object itself.
		"deeply nested dictionaries": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Deep " +
					strings.Repeat("<< /A ", 50_000) + strings.Repeat(">> ", 50_000) + ">>",
				stream(text),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
			})
		},
		// A page tree whose Kids refer back to the root, and a page that is its own parent.
		"self-referencing page tree": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
				"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
				stream(text),
			})
		},
		// Objects that are references to each other: 6 → 7 → 6 as the font, the resources and
		// the contents.
		"reference cycles": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R /Resources 7 0 R >>",
				stream(text),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				"7 0 R",
				"6 0 R",
			})
		},
		// Bait for the cross-reference rebuild: no usable xref, 300,000 objects that all claim
		// to be the catalog, and thousands of trailers that never close.
		"cross-reference rebuild bait": func() []byte {
			var b bytes.Buffer
			b.WriteString("%PDF-1.4\n")
			for i := range 10_000 {
				fmt.Fprintf(&b, "trailer << /Root %d 0 R /XRef [\n", i+1)
			}
			for i := range 300_000 {
				fmt.Fprintf(&b, "%d 0 obj << /Type /Catalog /Type /XRef /Pages %d 0 R >> endobj\n", i+1, i+2)
			}
			b.WriteString("startxref\n999999999\n%%EOF\n")
			return b.Bytes()
		},
		// A form that draws itself, under a name that is itself (through the page resources).
		"self-drawing form": func() []byte {
			return buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources 6 0 R >>",
				stream(text + "/X Do /X Do"),
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				"<< /Font << /F1 5 0 R >> /XObject << /X 7 0 R >> >>",
				"<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources 6 0 R /Length 21 >>\nstream\n/X Do /X Do /X Do /X Do\nendstream",
			})
		},
	}
}

func TestHostilePDFsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigabyte decompression bombs")
	}
	for name, build := range hostileCases() {
		t.Run(name, func(t *testing.T) {
			data := build()
			stop := heapPeak()
			goroutines := runtime.NumGoroutine()
			start := time.Now()
			doc, err := Extract(context.Background(), data, Config{Timeout: hostileTimeout})
			took := time.Since(start)
			// An abandoned parser goroutine keeps running after Extract returns: keep
			// measuring until it has finished (it checks for abandonment often, so it must
			// end soon), so that its memory counts here and not in the next case.
			lingered := time.Duration(0)
			for runtime.NumGoroutine() > goroutines && lingered < 30*time.Second {
				time.Sleep(50 * time.Millisecond)
				lingered += 50 * time.Millisecond
			}
			peak := stop()
			t.Logf("%d bytes in, %s, heap peak +%d MiB, parser lingered %s, err %v", len(data), took.Round(time.Millisecond), peak>>20, lingered, err)
			if lingered >= 30*time.Second {
				t.Errorf("the parser goroutine still runs 30s after Extract returned")
			}
			if took > hostileTimeout+time.Second {
				t.Errorf("Extract took %s, Timeout is %s", took, hostileTimeout)
			}
			if peak > hostileHeapLimit {
				t.Errorf("heap grew by %d MiB, limit %d MiB", peak>>20, hostileHeapLimit>>20)
			}
			if err != nil {
				typed := false
				for _, s := range sentinels {
					typed = typed || errors.Is(err, s)
				}
				if !typed {
					t.Errorf("untyped error: %v", err)
				}
				return
			}
			n := 0
			for _, b := range doc.Blocks {
				n += len(b.Text)
			}
			if n > 1<<20 {
				t.Errorf("%d bytes of text from a %d-byte file", n, len(data))
			}
		})
	}
}
