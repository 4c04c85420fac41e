package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// TestConcurrentSessionWrites: concurrent metadata patches lose no key, and concurrent
// ratings of one session leave exactly one rating.
func TestConcurrentSessionWrites(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	org, _, err := store.NewOrganizations(db.Pool).Create(ctx, "ACME", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.NewAssistants(db.Pool).Create(ctx, lorebase.Assistant{OrganizationID: org.ID, Name: "A", Tone: "friendly", Language: "en", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	threads := store.NewThreads(db.Pool)
	exp := time.Now().Add(time.Hour)
	s, err := threads.Create(ctx, lorebase.Thread{OrganizationID: org.ID, Kind: lorebase.ThreadSession, AssistantID: a.ID, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	feedback := store.NewFeedback(db.Pool)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	inserted := make(chan bool, n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := threads.MergeMetadata(ctx, org.ID, lorebase.ThreadSession, s.ID, map[string]json.RawMessage{fmt.Sprintf("k%d", i): json.RawMessage(`true`)}, 16<<10)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			rating := i%5 + 1
			_, ins, err := feedback.RateSession(ctx, lorebase.Feedback{OrganizationID: org.ID, ThreadID: s.ID, AssistantID: a.ID, Rating: &rating,
				AuthorKind: "api_client", AuthorClientID: "c"})
			inserted <- ins
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	close(inserted)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	fresh := 0
	for ins := range inserted {
		if ins {
			fresh++
		}
	}
	got, err := threads.Get(ctx, org.ID, lorebase.ThreadSession, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]bool
	_ = json.Unmarshal(got.Metadata, &meta)
	if len(meta) != n {
		t.Fatalf("metadata after %d concurrent patches has %d keys: %s", n, len(meta), got.Metadata)
	}
	var rows int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM feedback WHERE thread_id = $1`, s.ID).Scan(&rows); err != nil || rows != 1 || fresh != 1 {
		t.Fatalf("%d feedback rows, %d reported as new, after %d concurrent ratings (err %v)", rows, fresh, n, err)
	}
}
