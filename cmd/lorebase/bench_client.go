package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"
)

// benchClient calls a lorebase server's public API with an organization's key pair. Unlike
// ingestClient it reports the HTTP status of every call, which is what benchmarks count.
type benchClient struct {
	base, key, secret string
	http              *http.Client
}

func newBenchClient(base, key, secret string, conns int) *benchClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(conns*2, 100)
	tr.MaxIdleConnsPerHost = max(conns*2, 16)
	return &benchClient{base: strings.TrimSuffix(base, "/"), key: key, secret: secret,
		http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// benchResult is one API answer: the status, the decoded envelope and the raw body.
type benchResult struct {
	Status   int
	Envelope apiEnvelope
	Body     []byte
	Header   http.Header
}

func (r benchResult) detail() string {
	if r.Envelope.Detail != nil {
		return *r.Envelope.Detail
	}
	return string(r.Body)
}

// call sends body (nil, []byte sent raw as JSON, or a value encoded as JSON) and decodes the
// envelope when there is one. err is set only when no HTTP answer arrived.
func (c *benchClient) call(ctx context.Context, method, path string, body any, header map[string]string) (benchResult, error) {
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, contentType = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return benchResult{}, err
		}
		rd, contentType = bytes.NewReader(j), "application/json"
	}
	return c.send(ctx, method, path, contentType, rd, header)
}

func (c *benchClient) send(ctx context.Context, method, path, contentType string, body io.Reader, header map[string]string) (benchResult, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return benchResult{}, err
	}
	req.Header.Set("X-API-Key", c.key)
	req.Header.Set("X-API-Secret", c.secret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return benchResult{}, err
	}
	defer res.Body.Close()
	out := benchResult{Status: res.StatusCode, Header: res.Header}
	out.Body, err = io.ReadAll(res.Body)
	if err != nil {
		return out, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(out.Body, &out.Envelope)
	}
	return out, nil
}

// must calls and decodes data into out, failing unless the answer has the wanted status.
func (c *benchClient) must(ctx context.Context, want int, method, path string, body, out any) error {
	r, err := c.call(ctx, method, path, body, nil)
	if err != nil {
		return err
	}
	if r.Status != want {
		return fmt.Errorf("%s %s: %d %s", method, path, r.Status, r.detail())
	}
	if out != nil {
		return json.Unmarshal(r.Envelope.Data, out)
	}
	return nil
}

// upload sends a knowledge file as multipart form data.
func (c *benchClient) upload(ctx context.Context, title, fileType, name string, data []byte) (benchResult, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", title)
	if fileType != "" {
		_ = mw.WriteField("file_type", fileType)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.send(ctx, "POST", "/api/v1/knowledge/files/", mw.FormDataContentType(), &buf, nil)
}

// waitItems polls knowledge items until each is ready or failed, or until timeout; it returns
// the last state of each.
func (c *benchClient) waitItems(ctx context.Context, ids []string, timeout time.Duration) (map[string]itemStatus, error) {
	deadline := time.Now().Add(timeout)
	state := map[string]itemStatus{}
	for {
		pending := 0
		for _, id := range ids {
			if st, ok := state[id]; ok && st.Status.Final() {
				continue
			}
			var it itemStatus
			if err := c.must(ctx, http.StatusOK, "GET", "/api/v1/knowledge/"+id, nil, &it); err != nil {
				return state, err
			}
			state[id] = it
			if !it.Status.Final() {
				pending++
			}
		}
		if pending == 0 {
			return state, nil
		}
		if time.Now().After(deadline) {
			return state, fmt.Errorf("%d of %d knowledge items still processing after %s", pending, len(ids), timeout)
		}
		select {
		case <-ctx.Done():
			return state, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
