package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// Replicas starting together on a fresh database all get the one signing key: the racing
// INSERT ... ON CONFLICT DO NOTHING of the losers finds no row in its snapshot and must look
// again (one `serve` of TestLoadTwoServersTwoWorkers exited with "no rows in result set").
func TestSigningKeyConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		db := storetest.New(t)
		const replicas = 12
		keys := make([][]byte, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range replicas {
			wg.Go(func() {
				<-start
				keys[i], errs[i] = store.SigningKey(context.Background(), db.Pool)
			})
		}
		close(start)
		wg.Wait()
		for i := range replicas {
			if errs[i] != nil {
				t.Fatalf("round %d, replica %d: %v", round, i, errs[i])
			}
			if len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("round %d: replica %d got another key", round, i)
			}
		}
	}
}
