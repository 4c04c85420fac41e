package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Item 11 of issue 14: stored crawl errors say what happened in words a knowledge manager
// reads, and never name the server's resolver, dial addresses or private resolutions.
func TestReasonHidesInternals(t *testing.T) {
	ctx := context.Background()
	open, err := NewClient(ClientConfig{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	fetcher, err := NewFetcher(open, FetcherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	guarded, err := NewClient(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	guardedFetcher, err := NewFetcher(guarded, FetcherConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer site.Close()

	fetch := func(f *Fetcher, raw string) error {
		u, _ := url.Parse(raw)
		_, err := f.Fetch(ctx, u, Validators{})
		if err == nil {
			t.Fatalf("%s: fetched", raw)
		}
		return err
	}
	dnsErr := &url.Error{Op: "Get", URL: "https://docs.nowhere.invalid/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "docs.nowhere.invalid", Server: "10.0.0.2:53", IsNotFound: true}}}
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("crawl: fetch https://docs.nowhere.invalid/: %w", dnsErr), "host not found"},
		{fetch(fetcher, "http://"+closed+"/"), "connection refused"},
		{fetch(fetcher, site.URL+"/"), "HTTP 503 Service Unavailable"},
		{fetch(guardedFetcher, site.URL+"/"), "forbidden address: the host resolves to a loopback, private or reserved address, which is not crawled"},
		{fmt.Errorf("crawl: fetch: %w", context.DeadlineExceeded), "timed out"},
	}
	for _, c := range cases {
		got := Reason(c.err)
		if got != c.want {
			t.Errorf("Reason(%v) = %q, want %q", c.err, got, c.want)
		}
		msg := Explain(c.err).Error()
		for _, leak := range []string{"10.0.0.2", ":53", "lookup", "dial tcp", "127.0.0.1", closed} {
			if strings.Contains(msg, leak) {
				t.Errorf("explained error %q names %q", msg, leak)
			}
		}
		if !errors.Is(Explain(c.err), errors.Unwrap(c.err)) && errors.Unwrap(c.err) != nil {
			t.Errorf("Explain hides the error chain of %v", c.err)
		}
	}
}
