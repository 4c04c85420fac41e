// Package lorebase holds the domain types and error kinds shared by every other package. It
// imports only the standard library; everything else imports it.
package lorebase

import (
	"errors"
	"fmt"
)

// Error kinds. Packages wrap them with context; the API maps each kind to one HTTP status.
var (
	ErrNotFound         = errors.New("not found")
	ErrConflict         = errors.New("conflict")
	ErrInvalid          = errors.New("invalid input")
	ErrMalformed        = errors.New("malformed request") // unreadable as sent: bad syntax, a missing header
	ErrMethodNotAllowed = errors.New("method not allowed")
	ErrUnauthenticated  = errors.New("authentication required")
	ErrForbidden        = errors.New("forbidden")
	ErrGone             = errors.New("gone")
	ErrRateLimited      = errors.New("rate limit exceeded")
	ErrTooLarge         = errors.New("too large")
	ErrUnsupported      = errors.New("unsupported media type")
	ErrUnavailable      = errors.New("temporarily unavailable") // a dependency (the database) cannot be reached; retry later
	// ErrRequestTimeout: the client took too long to send its request.
	ErrRequestTimeout = errors.New("request timeout")
)

// Error is an error of one kind whose message is written for the client, as is, with optional
// structured data (a machine-readable code, a limit) returned beside it. errors.Is(err, Kind)
// holds, so the API maps it like any other error of its kind.
type Error struct {
	Kind    error
	Message string
	Data    any
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an error of kind whose message, formatted as by fmt.Sprintf, is meant for
// the client.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field at once, so a client can fix them in one go.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return "validation failed"
	}
	return fmt.Sprintf("validation failed: %s %s", e.Fields[0].Field, e.Fields[0].Message)
}

// Unwrap makes errors.Is(err, ErrInvalid) true for validation errors.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records a problem with a field.
func (e *ValidationError) Add(field, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: message})
}

// Err returns the error when any field was added, else nil.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}
