package openai

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	maxBackoff    = 30 * time.Second
	maxRetryAfter = 60 * time.Second // longer requests are shortened; the deadline check still applies
	drainLimit    = 64 << 10         // read this much of a failed body so the connection is reused
)

// retryTransport retries requests the server refused for a transient reason. It decides on the
// status line alone and returns the first acceptable response untouched, so a streamed body is
// never re-requested once the caller starts reading it.
type retryTransport struct {
	base       http.RoundTripper
	maxRetries int
	baseDelay  time.Duration

	// sleep waits d or until ctx ends; tests replace it to record delays without waiting.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

func newRetryTransport(base http.RoundTripper, maxRetries int, baseDelay time.Duration) *retryTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &retryTransport{base: base, maxRetries: maxRetries, baseDelay: baseDelay, sleep: sleepCtx, now: time.Now}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// Without GetBody a consumed body cannot be sent again.
	canReplay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil

	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}

		resp, err := t.base.RoundTrip(r)
		if attempt >= t.maxRetries || !canReplay || ctx.Err() != nil || !retryable(resp, err) {
			return resp, err
		}

		delay := t.backoff(attempt)
		if resp != nil {
			if d, ok := retryAfter(resp.Header, t.now()); ok {
				delay = d
			}
		}
		// Sleeping past the deadline only turns a clear status into a vaguer timeout.
		if deadline, ok := retryDeadline(ctx); ok && t.now().Add(delay).After(deadline) {
			return resp, err
		}
		if resp != nil {
			_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
			resp.Body.Close()
		}
		if err := t.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

type retryDeadlineKey struct{}

// withRetryDeadline tells the transport when the caller will give up, for contexts that end by
// cancellation rather than by a deadline (Stream's idle timer).
func withRetryDeadline(ctx context.Context, deadline time.Time) context.Context {
	return context.WithValue(ctx, retryDeadlineKey{}, deadline)
}

// retryDeadline is the earlier of ctx's deadline and one set by withRetryDeadline.
func retryDeadline(ctx context.Context) (time.Time, bool) {
	deadline, ok := ctx.Deadline()
	if d, found := ctx.Value(retryDeadlineKey{}).(time.Time); found && (!ok || d.Before(deadline)) {
		return d, true
	}
	return deadline, ok
}

// backoff is exponential with equal jitter: half fixed, half random, so clients that failed
// together do not retry together.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.baseDelay << attempt
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	half := d / 2
	return half + rand.N(half+1)
}

func retryable(resp *http.Response, err error) bool {
	if err != nil {
		// A bad certificate stays bad; everything else (refused, reset, EOF before a response)
		// may be a restarting server.
		var certErr *tls.CertificateVerificationError
		var authErr x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		return !errors.As(err, &certErr) && !errors.As(err, &authErr) && !errors.As(err, &hostErr)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests, code == http.StatusRequestTimeout:
		return true
	case code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return false // a missing feature does not appear on retry
	default:
		return code >= 500
	}
}

// retryAfter reads retry-after-ms (sent by OpenAI) or Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || ms < 0 {
			return 0, false
		}
		d = time.Duration(ms * float64(time.Millisecond))
	} else if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil {
			if secs < 0 {
				return 0, false
			}
			d = time.Duration(secs) * time.Second
		} else if at, err := http.ParseTime(v); err == nil {
			d = max(at.Sub(now), 0)
		} else {
			return 0, false
		}
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
