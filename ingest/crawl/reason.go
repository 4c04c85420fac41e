package crawl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/lorebase/lorebase/ingest/html"
)

// Reason turns a fetch error into what a knowledge manager may read: "host not found",
// "connection refused", "HTTP 503 Service Unavailable". Raw Go errors name the server's own
// DNS resolver, dial addresses and the addresses private hosts resolve to, so they go to the
// log, never into a stored reason.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var status *StatusError
	var dnsErr *net.DNSError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &status):
		return fmt.Sprintf("HTTP %d %s", status.StatusCode, http.StatusText(status.StatusCode))
	case errors.Is(err, ErrForbiddenAddress):
		return "forbidden address: the host resolves to a loopback, private or reserved address, which is not crawled"
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "host not found"
		case dnsErr.IsTimeout:
			return "host name lookup timed out"
		}
		return "host name could not be resolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.As(err, &unknownAuthority), errors.As(err, &invalidCert):
		return "the site's TLS certificate is not trusted"
	case errors.As(err, &hostnameErr):
		return "the site's TLS certificate is for another host name"
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "tls:"):
		return "TLS handshake failed"
	case errors.Is(err, ErrTooManyRedirects):
		return "too many redirects"
	case errors.Is(err, ErrUnsupportedScheme):
		return "redirected to a URL that is not http or https"
	case errors.Is(err, html.ErrNotHTML):
		return "not an HTML page"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "connection failed"
	}
	return "fetch failed"
}

// Explain wraps err so that its message is Reason(err); errors.Is and errors.As still see err.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	return &explained{err: err}
}

type explained struct{ err error }

func (e *explained) Error() string { return Reason(e.err) }
func (e *explained) Unwrap() error { return e.err }
