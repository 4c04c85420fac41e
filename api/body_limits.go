package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lorebase/lorebase"
)

// BodyReadTimeoutDefault bounds how long a client may take to send a JSON body.
const BodyReadTimeoutDefault = 30 * time.Second

// uploadMinRate is the slowest upload rate an upload's read deadline allows for.
const uploadMinRate = 64 << 10 // bytes per second

// multipartSlack is what a multipart body may add to the file: boundaries and small fields.
const multipartSlack = 1 << 20

// withDetail is an error of kind with the detail clients see.
func withDetail(kind error, detail string) error { return &lorebase.Error{Kind: kind, Message: detail} }

// bodyLimit is the largest body a route accepts.
func (s *Server) bodyLimit(rt route) int64 {
	if rt.doc.multipart != nil {
		return s.cfg.UploadLimit + multipartSlack
	}
	return jsonBodyLimitDefault
}

// screenRequest runs before authentication and before any byte of the body is read: it refuses
// NUL characters in the path and query (PostgreSQL text cannot hold them), answers 413 for a
// declared Content-Length over the route's limit, and gives the body a read deadline, so a
// client trickling a body cannot hold a connection open indefinitely.
func (s *Server) screenRequest(w http.ResponseWriter, r *http.Request, rt route) error {
	if err := rejectNULInURL(r); err != nil {
		return err
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	limit := s.bodyLimit(rt)
	if r.ContentLength > limit {
		// The body is never read: close the connection instead of draining it.
		w.Header().Set("Connection", "close")
		return withDetail(lorebase.ErrTooLarge, "Request body too large: the limit is "+strconv.FormatInt(limit, 10)+" bytes")
	}
	timeout := s.cfg.BodyReadTimeout
	if rt.doc.multipart != nil {
		timeout = max(timeout, time.Duration(limit/uploadMinRate)*time.Second)
	}
	// net/http clears the deadline itself once the body is read (before its background read,
	// which notices a client going away during a long answer).
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	return nil
}

// isReadTimeout reports a body read that ran past its deadline.
func isReadTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var errBodyTimeout = withDetail(lorebase.ErrRequestTimeout, "Request body not received in time - send it at a normal rate")

// rejectNULInURL refuses NUL characters in the path and the query string.
func rejectNULInURL(r *http.Request) error {
	ve := &lorebase.ValidationError{}
	if strings.ContainsRune(r.URL.Path, 0) {
		ve.Add("path", "must not contain the NUL character")
	}
	if strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.RawQuery, 0) {
		keys := make([]string, 0)
		for k, vs := range r.URL.Query() {
			for _, v := range vs {
				if strings.ContainsRune(k, 0) || strings.ContainsRune(v, 0) {
					keys = append(keys, strings.ReplaceAll(k, "\x00", ""))
					break
				}
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			ve.Add(k, "must not contain the NUL character")
		}
	}
	return ve.Err()
}

// rejectNULInJSON refuses a JSON body with a NUL character (\u0000) in any string or key,
// naming the field. The quick byte check keeps the walk off the common path.
func rejectNULInJSON(raw []byte) error {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil // the real decode reports it
	}
	ve := &lorebase.ValidationError{}
	walkNUL(ve, "", v)
	return ve.Err()
}

func walkNUL(ve *lorebase.ValidationError, path string, v any) {
	if len(ve.Fields) >= 10 {
		return
	}
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			ve.Add(cmp.Or(path, "body"), "must not contain the NUL character")
		}
	case []any:
		for i, e := range x {
			walkNUL(ve, path+"["+strconv.Itoa(i)+"]", e)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if path != "" {
				name = path + "." + k
			}
			if strings.ContainsRune(k, 0) {
				ve.Add(strings.ReplaceAll(cmp.Or(path, "body"), "\x00", ""), "must not have a key with the NUL character")
				continue
			}
			walkNUL(ve, name, x[k])
		}
	}
}

// rejectNULInForm refuses NUL characters in multipart fields and the file name.
func rejectNULInForm(ve *lorebase.ValidationError, fields map[string]string) {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if strings.ContainsRune(fields[k], 0) {
			ve.Add(k, "must not contain the NUL character")
		}
	}
}
