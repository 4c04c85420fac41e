package worker

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// Deps are what the workers need. A nil *Deps registers the workers without dependencies, for
// insert-only clients that never run them.
type Deps struct {
	Pool *pgxpool.Pool
}

func newWorkers(deps *Deps) *river.Workers {
	if deps == nil {
		deps = &Deps{}
	}
	w := river.NewWorkers()
	river.AddWorker(w, &HousekeepingWorker{pool: deps.Pool})
	return w
}
