package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Database answers what readiness checks and metrics need to know about the pool's database:
// whether it answers, whether its schema is current, and the pool's statistics.
type Database struct{ pool *pgxpool.Pool }

// NewDatabase returns the view of pool's database.
func NewDatabase(pool *pgxpool.Pool) *Database { return &Database{pool: pool} }

// Ping checks that the database answers.
func (d *Database) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

// PendingMigrations lists the embedded migrations the database has not applied.
func (d *Database) PendingMigrations(ctx context.Context) ([]string, error) {
	return PendingMigrations(ctx, d.pool)
}

var (
	poolTotalDesc    = prometheus.NewDesc("lorebase_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolMaxDesc      = prometheus.NewDesc("lorebase_db_pool_max_connections", "Maximum size of the database pool.", nil, nil)
	poolAcquireDesc  = prometheus.NewDesc("lorebase_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWaitDesc     = prometheus.NewDesc("lorebase_db_pool_acquire_wait_seconds_total", "Time spent waiting for a pool connection.", nil, nil)
	poolWaitingDescr = prometheus.NewDesc("lorebase_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
)

// Describe sends the descriptors of the pool metrics (prometheus.Collector).
func (d *Database) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotalDesc
	ch <- poolMaxDesc
	ch <- poolAcquireDesc
	ch <- poolWaitDesc
	ch <- poolWaitingDescr
}

// Collect reads the pool statistics at scrape time (prometheus.Collector).
func (d *Database) Collect(ch chan<- prometheus.Metric) {
	st := d.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquireDesc, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, st.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(poolWaitingDescr, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
}
