package worker

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/lorebase/lorebase/ingest/crawl"
)

// Item 11 of issue 14: the reason a crawl stores for its knowledge manager names what went
// wrong, not the server's DNS resolver or dial addresses.
func TestCrawlProblemsAreUserFacing(t *testing.T) {
	dns := fmt.Errorf("crawl: fetch https://docs.nowhere.invalid/: %w", &url.Error{Op: "Get", URL: "https://docs.nowhere.invalid/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "docs.nowhere.invalid", Server: "10.0.0.2:53", IsNotFound: true}}})
	refused := fmt.Errorf("crawl: fetch https://shop.example/: %w", &url.Error{Op: "Get", URL: "https://shop.example/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 443}, Err: syscall.ECONNREFUSED}})
	st := crawl.Stats{
		Failed:  []crawl.Failure{{URL: "https://docs.nowhere.invalid/", Err: dns}, {URL: "https://shop.example/", Err: refused}},
		Skipped: []crawl.Skip{{URL: "https://other.example/", Reason: crawl.SkipRobotsUnavailable, Err: dns}},
	}
	got := crawlProblems(st)
	for _, want := range []string{"https://docs.nowhere.invalid/: host not found", "https://shop.example/: connection refused",
		"robots.txt unavailable: host not found"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
	for _, leak := range []string{"10.0.0.2", "10.1.2.3", "lookup", "dial tcp"} {
		if strings.Contains(got, leak) {
			t.Errorf("problems %q name %q", got, leak)
		}
	}
}
