package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Client defaults.
const (
	UserAgentDefault    = "lorebase-crawler/1.0 (+https://github.com/lorebase/lorebase)"
	TimeoutDefault      = 30 * time.Second
	DialTimeoutDefault  = 10 * time.Second
	MaxRedirectsDefault = 10
)

var (
	// ErrUnsupportedScheme is returned for URLs (or redirect targets) that are not http or https.
	ErrUnsupportedScheme = errors.New("crawl: only http and https URLs can be fetched")
	// ErrTooManyRedirects is returned when a redirect chain exceeds ClientConfig.MaxRedirects.
	ErrTooManyRedirects = errors.New("crawl: too many redirects")
)

// Resolver looks up a host's addresses; *net.Resolver satisfies it. Tests inject a fake to map
// names to chosen addresses without real DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ClientConfig configures NewClient. The zero value is a safe public-web client.
type ClientConfig struct {
	// UserAgent identifies the crawler to sites; UserAgentDefault when empty. Its product token
	// (before the first "/") selects the robots.txt group.
	UserAgent string
	// Timeout bounds a whole request including redirects and reading the body.
	Timeout time.Duration
	// DialTimeout bounds one TCP connect.
	DialTimeout time.Duration
	// MaxRedirects is how many redirects one request may follow; MaxRedirectsDefault when 0.
	MaxRedirects int
	// AllowPrivate permits loopback, private, link-local and other non-public addresses, for
	// tests against httptest servers and for deliberate intranet crawls. Cloud metadata endpoints
	// stay refused unless listed in AllowedPrefixes.
	AllowPrivate bool
	// AllowedPrefixes are ranges permitted even though they are not public, e.g. one intranet
	// subnet, without opening all of them as AllowPrivate does.
	AllowedPrefixes []netip.Prefix
	// Resolver resolves host names; net.DefaultResolver when nil.
	Resolver Resolver
}

func (cfg ClientConfig) withDefaults() ClientConfig {
	cfg.UserAgent = cmp.Or(cfg.UserAgent, UserAgentDefault)
	cfg.Timeout = cmp.Or(cfg.Timeout, TimeoutDefault)
	cfg.DialTimeout = cmp.Or(cfg.DialTimeout, DialTimeoutDefault)
	cfg.MaxRedirects = cmp.Or(cfg.MaxRedirects, MaxRedirectsDefault)
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	return cfg
}

// NewClient returns an HTTP client for crawling untrusted URLs: every connection's resolved
// address is checked against the address policy (see ErrForbiddenAddress), only http and https
// are spoken, redirects are capped, and requests carry the crawler's User-Agent.
//
// Environment proxies are deliberately not used: through a proxy the dial-time check would see
// only the proxy's address.
func NewClient(cfg ClientConfig) (*http.Client, error) {
	cfg = cfg.withDefaults()
	if cfg.Timeout < 0 || cfg.DialTimeout < 0 || cfg.MaxRedirects < 0 {
		return nil, fmt.Errorf("crawl: client config: negative timeout or redirect limit")
	}
	for _, p := range cfg.AllowedPrefixes {
		if !p.IsValid() {
			return nil, fmt.Errorf("crawl: client config: invalid allowed prefix %v", p)
		}
	}
	guard := addressGuard{allowPrivate: cfg.AllowPrivate, allowed: cfg.AllowedPrefixes}
	dialer := &guardedDialer{
		guard:    guard,
		resolver: cfg.Resolver,
		dialer:   &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second, Control: guard.control},
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	maxRedirects := cfg.MaxRedirects
	return &http.Client{
		Transport: &crawlerTransport{base: transport, userAgent: cfg.UserAgent},
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, maxRedirects)
			}
			if !webScheme(req.URL.Scheme) {
				return fmt.Errorf("%w: redirect to %q", ErrUnsupportedScheme, req.URL.Scheme)
			}
			return nil
		},
	}, nil
}

func webScheme(s string) bool { return s == "http" || s == "https" }

// crawlerTransport refuses non-web schemes and sets the User-Agent on every request, redirects
// included.
type crawlerTransport struct {
	base      http.RoundTripper
	userAgent string
}

func (t *crawlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !webScheme(req.URL.Scheme) {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedScheme, req.URL.Scheme)
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context()) // a RoundTripper must not modify the caller's request
		req.Header.Set("User-Agent", t.userAgent)
	}
	return t.base.RoundTrip(req)
}

// guardedDialer resolves names itself so every candidate address is checked before any
// connection attempt: a name with one public and one private address is refused outright,
// which defeats rebinding tricks that alternate answers. The net.Dialer's Control hook checks
// the final address again.
type guardedDialer struct {
	guard    addressGuard
	resolver Resolver
	dialer   *net.Dialer
}

func (d *guardedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = d.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("crawl: %s has no addresses", host)
		}
	}
	for _, ip := range ips {
		if err := d.guard.check(host, ip); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, ip := range ips {
		ip = ip.Unmap()
		if (network == "tcp4" && !ip.Is4()) || (network == "tcp6" && !ip.Is6()) {
			continue
		}
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		firstErr = cmp.Or(firstErr, err)
		if ctx.Err() != nil {
			break
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("crawl: %s has no %s address", host, network)
	}
	return nil, firstErr
}
