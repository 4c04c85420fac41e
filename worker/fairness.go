package worker

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
)

// Fair ingestion across organizations. River's open-source queues have no per-key concurrency
// limit, so lorebase builds one from two parts:
//
//   - Q&A pairs, which index in milliseconds, run on their own queue (QueueQA) with their own
//     workers: no number of slow uploads or crawls can make a Q&A pair wait for a worker.
//   - Heavy jobs (files, crawls) of one organization run at most OrganizationConcurrency at a
//     time across every worker process. A heavy job counts the organization's heavy jobs that
//     River shows running and started before it (by attempted_at, then id, so two jobs starting
//     together never both yield); when the organization is at its limit the job snoozes
//     (JobSnooze does not spend an attempt) and its worker takes the next job, another
//     organization's. The item stays pending meanwhile.
//
// With the default of half the workers, one tenant can hold at most half of them, so another
// tenant's upload starts as soon as the free workers have skipped past the first tenant's
// queued jobs, each skip a fetch and a snooze.

// QueueQA is the queue of Q&A pair jobs.
const QueueQA = "qa"

// qaWorkersDefault is how many Q&A jobs a process runs at once.
const qaWorkersDefault = 2

// fairSnooze is how long a job waits before asking again; the jitter spreads an organization's
// waiting jobs so they do not all wake together.
func fairSnooze() time.Duration {
	return 2*time.Second + rand.N(2*time.Second)
}

// heavyKinds are the job kinds whose concurrency is limited per organization.
var heavyKinds = []string{IngestFileArgs{}.Kind(), CrawlSiteArgs{}.Kind()}

// runningAhead counts an organization's heavy jobs that are running and started before the
// given job. The running set is small (at most the total worker count), so this is cheap.
const runningAhead = `SELECT count(*) FROM river_job j
JOIN knowledge_items k ON k.id = (j.args->>'item_id')::uuid
WHERE j.state = 'running' AND j.kind = ANY($1) AND j.id <> $2 AND k.organization_id = $3
  AND (j.attempted_at, j.id) < (SELECT attempted_at, id FROM river_job WHERE id = $2)`

// waitTurn returns a snooze when the organization already runs its share of heavy jobs.
func (in *ingestor) waitTurn(ctx context.Context, job *attempts, orgID string) error {
	if !job.heavy || job.id == 0 || in.deps.orgConcurrency <= 0 {
		return nil
	}
	var ahead int
	if err := in.deps.Pool.QueryRow(ctx, runningAhead, heavyKinds, job.id, orgID).Scan(&ahead); err != nil {
		return err
	}
	if ahead >= in.deps.orgConcurrency {
		return river.JobSnooze(fairSnooze())
	}
	return nil
}
