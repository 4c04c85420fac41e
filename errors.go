// Package lorebase holds the domain types and error kinds shared by every other package. It
// imports only the standard library; everything else imports it.
package lorebase

import (
	"errors"
	"fmt"
)

// Error kinds. Packages wrap them with context; the API maps each kind to one HTTP status.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid input")
	ErrUnauthenticated = errors.New("authentication required")
	ErrForbidden       = errors.New("forbidden")
	ErrGone            = errors.New("gone")
	ErrRateLimited     = errors.New("rate limit exceeded")
	ErrTooLarge        = errors.New("too large")
	ErrUnsupported     = errors.New("unsupported media type")
	ErrUnavailable     = errors.New("not available")
)

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
