package crawl

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHostLimiterSpacesRequestsPerHost(t *testing.T) {
	l := NewHostLimiter()
	ctx := context.Background()
	const delay = 30 * time.Millisecond
	start := time.Now()
	for range 3 {
		if err := l.Wait(ctx, "a.test", delay); err != nil {
			t.Fatal(err)
		}
	}
	// Three requests need two full gaps; a timer never fires early, so this cannot flake.
	if elapsed := time.Since(start); elapsed < 2*delay {
		t.Errorf("3 requests took %v, want at least %v", elapsed, 2*delay)
	}
	// Another host has its own schedule: its first request does not wait.
	other := time.Now()
	if err := l.Wait(ctx, "b.test", time.Hour); err != nil {
		t.Fatal(err)
	}
	if time.Since(other) > time.Minute {
		t.Error("first request to a new host waited")
	}
}

func TestHostLimiterHonoursContext(t *testing.T) {
	l := NewHostLimiter()
	if err := l.Wait(context.Background(), "a.test", time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, "a.test", time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want the context's error instead of an hour's wait", err)
	}
}
