package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/lorebase/lorebase"
)

// jsonBodyLimitDefault bounds JSON request bodies; uploads have their own limit.
const jsonBodyLimitDefault = 1 << 20

// decodeJSON reads a JSON object into v with clear client errors: 415 for another media
// type, 413 over the size limit, 400 for malformed JSON, 422 naming a field of the wrong type.
// Unknown fields are ignored, so clients that send more than we read keep working.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return lorebase.Errorf(lorebase.ErrUnsupported, "Unsupported media type: send application/json")
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, jsonBodyLimitDefault))
	if err != nil {
		return jsonError(err)
	}
	if err := rejectNULInJSON(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON: unexpected data after the object")
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case isReadTimeout(err):
		return errBodyTimeout
	case errors.As(err, &maxErr):
		return lorebase.Errorf(lorebase.ErrTooLarge, "Request body too large: the limit is %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON: the body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON: the body ends early")
	case errors.As(err, &syntaxErr):
		return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON: the body must be a JSON object")
		}
		ve := &lorebase.ValidationError{}
		ve.Add(field, "must be "+jsonKind(typeErr.Type.String()))
		return ve
	}
	return lorebase.Errorf(lorebase.ErrMalformed, "Malformed JSON: %s", err)
}

func jsonKind(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	case strings.Contains(goType, "int") || strings.Contains(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]"):
		return "an array"
	case strings.HasPrefix(goType, "map") || strings.Contains(goType, "RawMessage"):
		return "an object"
	}
	return "of another type"
}

// pageMax bounds page numbers: far beyond any real list, far below an offset overflow.
const pageMax = 10000

// pageParams reads ?page=&page_size= (defaults 1 and 20, page at most 10,000, page_size at
// most 100).
func pageParams(r *http.Request) (lorebase.Page, error) {
	p := lorebase.Page{Page: 1, PageSize: 20}
	ve := &lorebase.ValidationError{}
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > pageMax {
			ve.Add("page", "must be an integer from 1 to "+strconv.Itoa(pageMax))
		} else {
			p.Page = n
		}
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			ve.Add("page_size", "must be an integer from 1 to 100")
		} else {
			p.PageSize = n
		}
	}
	return p, ve.Err()
}
