package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the server's Prometheus registry: request counts and latencies by route and
// status, database pool statistics, and the Go runtime.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(pool *pgxpool.Pool) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lorebase_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lorebase_http_request_duration_seconds",
			Help:    "HTTP request latency by route and method.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.registry.MustRegister(&poolCollector{pool: pool})
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry lets other components of the same process (River workers) add their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

var (
	poolTotalDesc    = prometheus.NewDesc("lorebase_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolMaxDesc      = prometheus.NewDesc("lorebase_db_pool_max_connections", "Maximum size of the database pool.", nil, nil)
	poolAcquireDesc  = prometheus.NewDesc("lorebase_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWaitDesc     = prometheus.NewDesc("lorebase_db_pool_acquire_wait_seconds_total", "Time spent waiting for a pool connection.", nil, nil)
	poolWaitingDescr = prometheus.NewDesc("lorebase_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
)

// poolCollector reads pgxpool statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotalDesc
	ch <- poolMaxDesc
	ch <- poolAcquireDesc
	ch <- poolWaitDesc
	ch <- poolWaitingDescr
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolTotalDesc, prometheus.GaugeValue, float64(st.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquireDesc, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, st.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(poolWaitingDescr, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
}
