// Package api serves the public HTTP API of ../shared/API.md: routing, the response envelope,
// authentication, rate limits, CORS, request decoding and the resource handlers. It depends on
// the domain package and on small interfaces it declares for what it needs from storage.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/llm"
)

// envelope is the shape of every response but the widget token.
type envelope struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status_code"`
	Detail     any    `json:"detail"`
	Data       any    `json:"data"`
}

// listData is the data of every list response.
type listData[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, envelope{Status: "success", StatusCode: status, Data: data})
}

// statusOf is the one table that maps error kinds to HTTP status codes and client details.
var statusOf = []struct {
	kind   error
	status int
	detail string
}{
	{lorebase.ErrMalformed, http.StatusBadRequest, "Malformed request"},
	{lorebase.ErrNotFound, http.StatusNotFound, "Not found"},
	{lorebase.ErrMethodNotAllowed, http.StatusMethodNotAllowed, "Method not allowed"},
	{lorebase.ErrUnauthenticated, http.StatusUnauthorized, "Authentication required"},
	{lorebase.ErrForbidden, http.StatusForbidden, "Forbidden"},
	{lorebase.ErrConflict, http.StatusConflict, "Conflict"},
	{lorebase.ErrGone, http.StatusGone, "Gone"},
	{lorebase.ErrTooLarge, http.StatusRequestEntityTooLarge, "Request body too large"},
	{lorebase.ErrUnsupported, http.StatusUnsupportedMediaType, "Unsupported media type"},
	{lorebase.ErrRateLimited, http.StatusTooManyRequests, "Rate limit exceeded"},
	{lorebase.ErrRequestTimeout, http.StatusRequestTimeout, "Request timeout"},
	{lorebase.ErrInvalid, http.StatusUnprocessableEntity, "Validation failed"},
	{llm.ErrTimeout, http.StatusGatewayTimeout, "The model server did not answer in time"},
	{llm.ErrUpstream, http.StatusBadGateway, "The model server failed"},
	{lorebase.ErrUnavailable, http.StatusServiceUnavailable, "Service temporarily unavailable - please retry shortly"},
}

// writeError renders any error as an envelope. A *lorebase.Error keeps its message and data
// (written for clients); other errors of a known kind keep their message, except lookups that
// fail (never echo their internals) and an unreachable database (a generic detail, logged);
// anything else is a 500 with a generic detail, logged with the request id.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *lorebase.ValidationError
	if errors.As(err, &ve) {
		writeJSON(w, http.StatusUnprocessableEntity, envelope{Status: "error", StatusCode: http.StatusUnprocessableEntity,
			Detail: ve.Error(), Data: map[string]any{"errors": ve.Fields}})
		return
	}
	rid := requestID(r.Context())
	for _, m := range statusOf {
		if !errors.Is(err, m.kind) {
			continue
		}
		var detail, data any = err.Error(), nil
		var ce *lorebase.Error
		switch {
		case errors.As(err, &ce):
			detail, data = ce.Message, ce.Data
		case m.kind == lorebase.ErrNotFound:
			detail = m.detail
		case isInternalDetail(err):
			// The database's own words (encodings, constraint names) stay in the log.
			loggerFrom(r.Context()).Warn("request refused by the database", slog.String("error", err.Error()))
			detail = m.detail + " (request id " + rid + ")"
		case m.kind == lorebase.ErrUnavailable:
			loggerFrom(r.Context()).Warn("database unavailable", slog.String("error", err.Error()))
			w.Header().Set("Retry-After", "5")
			detail = m.detail + " (request id " + rid + ")"
		}
		writeJSON(w, m.status, envelope{Status: "error", StatusCode: m.status, Detail: detail, Data: data})
		return
	}
	loggerFrom(r.Context()).Error("internal error", slog.String("error", err.Error()))
	writeJSON(w, http.StatusInternalServerError, envelope{Status: "error", StatusCode: http.StatusInternalServerError,
		Detail: "Internal server error (request id " + rid + ")"})
}

// isInternalDetail reports an error whose text is not for clients (the database's words for
// a refused query, see store.Translate).
func isInternalDetail(err error) bool {
	var internal interface{ InternalDetail() bool }
	return errors.As(err, &internal) && internal.InternalDetail()
}
