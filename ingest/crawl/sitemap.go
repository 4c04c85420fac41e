package crawl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Sitemap protocol limits (sitemaps.org): per file, at most 50,000 entries and 50 MB
// uncompressed.
const (
	MaxSitemapEntries = 50_000
	MaxSitemapBytes   = 50 << 20
)

// Sitemap is one parsed sitemap file: a <urlset> gives URLs, a <sitemapindex> gives Sitemaps.
type Sitemap struct {
	URLs     []string
	Sitemaps []string
	// Truncated is true when the file broke a protocol limit and only its start was read.
	Truncated bool
}

// ParseSitemap reads an XML sitemap or sitemap index, or a plain-text sitemap (one URL a line),
// gzip-compressed or not; compression is detected from the magic bytes because servers label
// .xml.gz files inconsistently. Only <loc> elements directly inside <url> or <sitemap> count,
// so extension tags such as <image:loc> are not mistaken for pages. Entries are returned as
// written (trimmed); the caller validates and scopes them.
func ParseSitemap(r io.Reader) (*Sitemap, error) {
	return parseSitemap(r, MaxSitemapBytes)
}

// parseSitemap is ParseSitemap with the uncompressed size cap as a parameter, so tests need
// not inflate 50 MB.
func parseSitemap(r io.Reader, maxBytes int64) (*Sitemap, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("crawl: sitemap gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	capped := &cappedReader{r: br, left: maxBytes}
	src := bufio.NewReader(capped)
	if bom, _ := src.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		src.Discard(3) // a UTF-8 byte order mark is legal but neither XML nor a URL
	}
	head, _ := src.Peek(512)
	head = bytes.TrimLeft(head, " \t\r\n")
	sm := &Sitemap{}
	var err error
	if len(head) > 0 && head[0] == '<' {
		err = parseXMLSitemap(src, sm)
	} else {
		err = parseTextSitemap(src, sm)
	}
	if capped.overflow {
		// The cut-off file ends mid-element; what was read before the cut is still good.
		sm.Truncated = true
		return sm, nil
	}
	return sm, err
}

// errSitemapFull stops parsing at the entry limit.
var errSitemapFull = errors.New("sitemap entry limit reached")

func (sm *Sitemap) add(parent, loc string) error {
	if len(sm.URLs)+len(sm.Sitemaps) >= MaxSitemapEntries {
		sm.Truncated = true
		return errSitemapFull
	}
	if loc == "" {
		return nil
	}
	if parent == "sitemap" {
		sm.Sitemaps = append(sm.Sitemaps, loc)
	} else {
		sm.URLs = append(sm.URLs, loc)
	}
	return nil
}

func parseXMLSitemap(r io.Reader, sm *Sitemap) error {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	var stack []string
	var loc strings.Builder
	inLoc := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("crawl: sitemap xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, t.Name.Local)
			if t.Name.Local == "loc" && (parent == "url" || parent == "sitemap") {
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc {
				loc.Write(t)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if inLoc && t.Name.Local == "loc" {
				inLoc = false
				if err := sm.add(stack[len(stack)-1], strings.TrimSpace(loc.String())); err != nil {
					return nil
				}
			}
		}
	}
}

func parseTextSitemap(r io.Reader, sm *Sitemap) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
			continue
		}
		if err := sm.add("url", line); err != nil {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("crawl: text sitemap: %w", err)
	}
	return nil
}

// cappedReader reads at most left bytes and records whether the source had more.
type cappedReader struct {
	r        io.Reader
	left     int64
	overflow bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n > 0 {
			c.overflow = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
