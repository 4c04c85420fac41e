package openai

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"none", nil, 0, false},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"http date", map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"capped", map[string]string{"Retry-After": "86400"}, maxRetryAfter, true},
		{"milliseconds win", map[string]string{"Retry-After-Ms": "250", "Retry-After": "3"}, 250 * time.Millisecond, true},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
		{"negative", map[string]string{"Retry-After": "-1"}, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 408: true, 429: true, 500: true, 501: false, 502: true, 503: true, 504: true} {
		if got := retryable(&http.Response{StatusCode: code}, nil); got != want {
			t.Errorf("retryable(%d) = %v", code, got)
		}
	}
}

func TestRetryDeadlineTakesTheEarlier(t *testing.T) {
	t.Parallel()
	base := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), base.Add(time.Minute))
	defer cancel()
	if d, ok := retryDeadline(withRetryDeadline(ctx, base.Add(time.Second))); !ok || !d.Equal(base.Add(time.Second)) {
		t.Errorf("got %v, %v", d, ok)
	}
	if d, ok := retryDeadline(withRetryDeadline(ctx, base.Add(time.Hour))); !ok || !d.Equal(base.Add(time.Minute)) {
		t.Errorf("got %v, %v", d, ok)
	}
	if _, ok := retryDeadline(context.Background()); ok {
		t.Error("deadline without one set")
	}
}
