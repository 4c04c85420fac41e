package crawl

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lorebase/lorebase/ingest"
	"github.com/lorebase/lorebase/ingest/html"
)

// MaxBodyBytesDefault caps how much of one page is read.
const MaxBodyBytesDefault = 10 << 20

// ErrGone matches fetch errors for pages that no longer exist (404 Not Found, 410 Gone): the
// caller deletes that page's chunks. Test with errors.Is.
var ErrGone = errors.New("crawl: page gone")

// StatusError is returned for a non-2xx, non-304 response.
type StatusError struct {
	URL        string
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("crawl: %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Is makes errors.Is(err, ErrGone) true for 404 and 410.
func (e *StatusError) Is(target error) bool {
	return target == ErrGone && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone)
}

// Validators are the cache validators of a previous fetch, sent back for a conditional GET.
type Validators struct {
	ETag         string
	LastModified string
}

// Result is one fetched page.
type Result struct {
	URL      *url.URL // as requested
	FinalURL *url.URL // after redirects
	// Key identifies the page for storage and dedup: Key(canonical URL) when the page declares
	// one on its host, else Key(FinalURL). Store Validators under it for the next crawl.
	Key        string
	StatusCode int
	// NotModified is true when the server answered 304 to the validators: Page is nil and the
	// caller keeps what it has.
	NotModified  bool
	ETag         string
	LastModified string
	ContentType  string
	// ContentHash is the hex SHA-256 of the extracted main content (title and blocks), so a
	// changed ad, nonce or timestamp in the markup does not count as a change. Empty when
	// NotModified.
	ContentHash string
	// Truncated is true when the body exceeded the size cap and only its start was extracted.
	Truncated bool
	Page      *html.Page
	// Queued is how many URLs were waiting in the crawl's queue when the page was handed to
	// the visit function: with the pages visited so far, an estimate of the crawl's size.
	Queued int
}

// Validators returns what to pass to the next Fetch of the same page.
func (r *Result) Validators() Validators {
	return Validators{ETag: r.ETag, LastModified: r.LastModified}
}

// FetcherConfig configures NewFetcher.
type FetcherConfig struct {
	// MaxBodyBytes caps the bytes read from one response; MaxBodyBytesDefault when 0.
	MaxBodyBytes int64
}

// Fetcher performs conditional GETs of HTML pages and extracts them.
type Fetcher struct {
	client  *http.Client
	maxBody int64
}

// NewFetcher returns a Fetcher using client, normally one from NewClient.
func NewFetcher(client *http.Client, cfg FetcherConfig) (*Fetcher, error) {
	if client == nil {
		return nil, errors.New("crawl: fetcher needs an http client")
	}
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, MaxBodyBytesDefault)
	if cfg.MaxBodyBytes < 0 {
		return nil, errors.New("crawl: fetcher config: negative MaxBodyBytes")
	}
	return &Fetcher{client: client, maxBody: cfg.MaxBodyBytes}, nil
}

// Fetch GETs u, sending prev's validators so an unchanged page costs a 304 and no body.
// Errors: a *StatusError (matching ErrGone for 404/410), html.ErrNotHTML for non-HTML content
// (the body is then not downloaded), ErrForbiddenAddress, or transport errors.
func (f *Fetcher) Fetch(ctx context.Context, u *url.URL, prev Validators) (*Result, error) {
	if u == nil || !webScheme(u.Scheme) {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedScheme, u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("crawl: build request for %s: %w", u, err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("crawl: fetch %s: %w", u, err)
	}
	defer resp.Body.Close()

	res := &Result{
		URL:          u,
		FinalURL:     resp.Request.URL,
		Key:          Key(resp.Request.URL),
		StatusCode:   resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		ContentType:  resp.Header.Get("Content-Type"),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		// A 304 may omit the validators; the previous ones stay valid.
		res.NotModified = true
		res.ETag = cmp.Or(res.ETag, prev.ETag)
		res.LastModified = cmp.Or(res.LastModified, prev.LastModified)
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return res, &StatusError{URL: res.FinalURL.String(), StatusCode: resp.StatusCode}
	case !html.IsHTML(res.ContentType):
		return res, fmt.Errorf("crawl: %s: %w: %s", res.FinalURL, html.ErrNotHTML, res.ContentType)
	}

	body, truncated, err := readCapped(resp.Body, f.maxBody)
	if err != nil {
		return nil, fmt.Errorf("crawl: read %s: %w", res.FinalURL, err)
	}
	res.Truncated = truncated
	page, err := html.Extract(bytes.NewReader(body), res.ContentType, res.FinalURL)
	if err != nil {
		return res, fmt.Errorf("crawl: extract %s: %w", res.FinalURL, err)
	}
	res.Page = page
	if page.Canonical != nil {
		res.Key = Key(page.Canonical)
	}
	res.ContentHash = ContentHash(page.Document)
	return res, nil
}

// readCapped reads at most max bytes and reports whether more were available.
func readCapped(r io.Reader, max int64) ([]byte, bool, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > max {
		return body[:max], true, nil
	}
	return body, false, nil
}

// ContentHash is the hex SHA-256 of a document's title and blocks (kind, level and text), the
// part of a page that ends up in the index. Two URLs with the same hash are the same content.
func ContentHash(d *ingest.Document) string {
	h := sha256.New()
	// Length-prefixed fields so no two different documents serialise alike.
	write := func(s string) {
		io.WriteString(h, strconv.Itoa(len(s)))
		io.WriteString(h, ":")
		io.WriteString(h, s)
	}
	write(d.Title)
	for _, b := range d.Blocks {
		write(string(b.Kind))
		write(strconv.Itoa(b.Level))
		write(b.Text)
	}
	return hex.EncodeToString(h.Sum(nil))
}
