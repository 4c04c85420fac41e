package openai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/lorebase/lorebase/llm"
)

// maxMessageLen keeps an HTML error page from a proxy out of logs and API responses.
const maxMessageLen = 512

// UpstreamError is a failed call to the model server. errors.Is(err, llm.ErrUpstream) holds, and
// errors.As still reaches the go-openai error beneath it.
type UpstreamError struct {
	Op         string // "chat", "stream" or "embed"
	StatusCode int    // 0 when no HTTP status applies (connection error, broken stream)
	Message    string // the server's message, or what went wrong
	Err        error
}

func (e *UpstreamError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s: %s: status %d: %s", llm.ErrUpstream, e.Op, e.StatusCode, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", llm.ErrUpstream, e.Op, e.Message)
}

func (e *UpstreamError) Unwrap() []error {
	if e.Err == nil {
		return []error{llm.ErrUpstream}
	}
	return []error{llm.ErrUpstream, e.Err}
}

// errorMapper turns what go-openai and net/http return into the llm error kinds.
type errorMapper struct {
	apiKey  string
	timeout time.Duration
}

// mapErr classifies err from a call made with callCtx, a child of the caller's ctx that carries
// this package's timeout.
func (m errorMapper) mapErr(ctx, callCtx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		// The caller's own deadline or cancellation: a timeout is still a timeout, but a caller
		// that went away is not the model server's fault.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s: %w", llm.ErrTimeout, op, ctx.Err())
		}
		return fmt.Errorf("%s: %w", op, context.Cause(ctx))
	}
	var netErr net.Error
	if callCtx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return fmt.Errorf("%w: %s: no response within %s", llm.ErrTimeout, op, m.timeout)
	}

	ue := &UpstreamError{Op: op, Err: err}
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr):
		apiErr.Message = m.redact(apiErr.Message) // errors.As reaches it: keep the key out there too
		ue.StatusCode = apiErr.HTTPStatusCode
		ue.Message = apiErr.Message
	case errors.As(err, &reqErr):
		// Not an OpenAI error document: a proxy page or a bare status.
		reqErr.Body = []byte(m.removeKey(string(reqErr.Body)))
		ue.StatusCode = reqErr.HTTPStatusCode
		ue.Message = strings.TrimSpace(string(reqErr.Body))
		if ue.Message == "" {
			ue.Message = reqErr.HTTPStatus
		}
	default:
		ue.Message = err.Error()
	}
	ue.Message = m.redact(ue.Message)
	return ue
}

// redact removes the API key (servers sometimes echo it in "invalid key" messages) and caps the
// length.
func (m errorMapper) redact(s string) string {
	s = m.removeKey(s)
	if len(s) > maxMessageLen {
		s = strings.ToValidUTF8(s[:maxMessageLen], "") + "…"
	}
	if s == "" {
		s = "no message"
	}
	return s
}

func upstreamf(op, format string, args ...any) error {
	return &UpstreamError{Op: op, Message: fmt.Sprintf(format, args...)}
}

func (m errorMapper) removeKey(s string) string {
	if m.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, m.apiKey, "[redacted]")
}
