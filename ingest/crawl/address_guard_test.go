package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNonPublicReason(t *testing.T) {
	forbidden := []string{
		"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1",
		"fd12:3456::1", "169.254.169.254", "169.254.1.1", "fe80::1", "fe80::1%eth0", "0.0.0.0",
		"::", "224.0.0.1", "239.255.255.250", "ff02::1", "100.64.0.1", "100.127.255.254",
		"255.255.255.255", "240.0.0.1", "198.18.0.1", "192.0.2.1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", // IPv4-mapped
		"::127.0.0.1",                       // IPv4-compatible
		"64:ff9b::7f00:1", "64:ff9b::a00:1", // NAT64 of loopback and 10.0.0.1
		"2002:7f00:1::1", "2002:c0a8:101::1", // 6to4 of loopback and 192.168.1.1
		"fd00:ec2::254",
	}
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
		"2001:4860:4860::8888", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"2002:808:808::1",
	}
	for _, s := range forbidden {
		if r := nonPublicReason(netip.MustParseAddr(s)); r == "" {
			t.Errorf("%s judged public", s)
		}
	}
	for _, s := range public {
		if r := nonPublicReason(netip.MustParseAddr(s)); r != "" {
			t.Errorf("%s judged %s", s, r)
		}
	}
}

// countingServer is an httptest server that counts the requests it receives.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// serverOn starts an httptest server on a chosen loopback address (127.0.0.2 stands in for a
// "public" host that the test explicitly allows).
func serverOn(t *testing.T, addr string, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// fakeResolver answers from a table; each name's answers are used in turn (the last repeats),
// which is how DNS rebinding looks from the client.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][]string
	calls   map[string]int
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	list, ok := f.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	i := min(f.calls[host], len(list)-1)
	f.calls[host]++
	var out []netip.Addr
	for _, a := range strings.Split(list[i], ",") {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func get(t *testing.T, c *http.Client, u string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func TestClientRefusesInternalAddresses(t *testing.T) {
	loop, loopHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	client, err := NewClient(ClientConfig{DialTimeout: 50 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		loop.URL + "/",
		"http://127.0.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", loop.Listener.Addr().(*net.TCPAddr).Port),
		"http://[::1]/",
	} {
		err := get(t, client, u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: error %v, want ErrForbiddenAddress", u, err)
			continue
		}
		if !strings.Contains(err.Error(), "only public addresses") {
			t.Errorf("GET %s: unclear message %q", u, err)
		}
	}
	if n := loopHits.Load(); n != 0 {
		t.Errorf("loopback server received %d requests", n)
	}
}

func TestClientAllowPrivateStillRefusesMetadata(t *testing.T) {
	client, err := NewClient(ClientConfig{AllowPrivate: true, DialTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := get(t, client, "http://169.254.169.254/"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("metadata endpoint: %v, want ErrForbiddenAddress", err)
	}
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	if err := get(t, client, srv.URL); err != nil || hits.Load() != 1 {
		t.Errorf("AllowPrivate should reach httptest: err %v, hits %d", err, hits.Load())
	}
}

// A "public" host (127.0.0.2, explicitly allowed) redirects to a loopback one: the redirect is
// refused at dial time, whether it names the IP or a host that resolves to it.
func TestClientRefusesRedirectToLoopback(t *testing.T) {
	internal, internalHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	internalPort := internal.Listener.Addr().(*net.TCPAddr).Port
	var target string
	public := serverOn(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
	publicPort := public.Listener.Addr().(*net.TCPAddr).Port
	resolver := &fakeResolver{answers: map[string][]string{
		"public.example":   {"127.0.0.2"},
		"internal.example": {"127.0.0.1"},
	}}
	client, err := NewClient(ClientConfig{
		Resolver:        resolver,
		AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		DialTimeout:     50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/secret", internalPort),
		fmt.Sprintf("http://internal.example:%d/secret", internalPort),
	} {
		target = tt
		err := get(t, client, fmt.Sprintf("http://public.example:%d/", publicPort))
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("redirect to %s: error %v, want ErrForbiddenAddress", tt, err)
		}
	}
	if n := internalHits.Load(); n != 0 {
		t.Errorf("internal server received %d requests", n)
	}
}

func TestClientRefusesRebindingAndMixedAnswers(t *testing.T) {
	internal, internalHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	_ = internal
	var publicHits atomic.Int64
	public := serverOn(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) {
		publicHits.Add(1)
		w.Header().Set("Connection", "close") // force a new dial (and lookup) next time
	})
	port := public.Listener.Addr().(*net.TCPAddr).Port
	resolver := &fakeResolver{answers: map[string][]string{
		// First answer passes the check; the second points at loopback, as a rebinding DNS
		// server would after the first check.
		"rebind.example": {"127.0.0.2", "127.0.0.1"},
		"mixed.example":  {"127.0.0.2,10.0.0.1"},
	}}
	client, err := NewClient(ClientConfig{
		Resolver:        resolver,
		AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		DialTimeout:     50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	rebind := fmt.Sprintf("http://rebind.example:%d/", port)
	if err := get(t, client, rebind); err != nil {
		t.Fatalf("first lookup is allowed: %v", err)
	}
	if err := get(t, client, rebind); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("rebound lookup: error %v, want ErrForbiddenAddress", err)
	}
	if err := get(t, client, fmt.Sprintf("http://mixed.example:%d/", port)); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("answer with one private address: error %v, want ErrForbiddenAddress", err)
	}
	if publicHits.Load() != 1 || internalHits.Load() != 0 {
		t.Errorf("public hits %d (want 1), internal hits %d (want 0)", publicHits.Load(), internalHits.Load())
	}
}

func TestClientSchemesRedirectLimitUserAgent(t *testing.T) {
	var gotUA atomic.Value
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.UserAgent())
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://example.com/file", http.StatusFound)
		}
	})
	client, err := NewClient(ClientConfig{AllowPrivate: true, UserAgent: "test-bot/2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := get(t, client, srv.URL+"/loop"); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("redirect loop: %v, want ErrTooManyRedirects", err)
	}
	if err := get(t, client, srv.URL+"/ftp"); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("redirect to ftp: %v, want ErrUnsupportedScheme", err)
	}
	if err := get(t, client, "file:///etc/passwd"); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("file URL: %v, want ErrUnsupportedScheme", err)
	}
	if ua, _ := gotUA.Load().(string); ua != "test-bot/2.0" {
		t.Errorf("User-Agent %q", ua)
	}
}
