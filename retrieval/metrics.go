package retrieval

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The Index's Prometheus metrics: what it holds, how far the feed is, and which path searches
// took. Register the Index (a prometheus.Collector) on the server's registry; the search
// counters are the process's, shared by every Searcher.
var (
	ixReadyDesc     = prometheus.NewDesc("lorebase_index_ready", "1 when the in-process index is built and has read the change feed within its maximum lag.", nil, nil)
	ixOrgsDesc      = prometheus.NewDesc("lorebase_index_organizations", "Organizations in the in-process index.", nil, nil)
	ixChunksDesc    = prometheus.NewDesc("lorebase_index_chunks", "Live chunks in the in-process lexical index.", nil, nil)
	ixPostingsDesc  = prometheus.NewDesc("lorebase_index_postings", "Postings in the in-process lexical index, tombstones included.", nil, nil)
	ixTombsDesc     = prometheus.NewDesc("lorebase_index_tombstones", "Deleted chunks whose document slots the lexical index still keeps.", nil, nil)
	ixVectorsDesc   = prometheus.NewDesc("lorebase_index_vectors", "Live vectors held for the in-process vector leg.", nil, nil)
	ixVecOrgsDesc   = prometheus.NewDesc("lorebase_index_vector_organizations", "Organizations whose vectors are held (the others search through pgvector).", nil, nil)
	ixBytesDesc     = prometheus.NewDesc("lorebase_index_bytes", "Estimated heap of the in-process index by part.", []string{"part"}, nil)
	ixMaxVecDesc    = prometheus.NewDesc("lorebase_index_vector_bytes_limit", "Bound on the heap of the held vectors (IndexConfig.MaxVectorBytes).", nil, nil)
	ixLagDesc       = prometheus.NewDesc("lorebase_index_feed_lag_seconds", "Seconds since the change feed was last read successfully.", nil, nil)
	ixPositionDesc  = prometheus.NewDesc("lorebase_index_feed_position", "The change feed's horizon: every transaction below this id was applied.", nil, nil)
	ixAppliedDesc   = prometheus.NewDesc("lorebase_index_changes_applied_total", "Chunk changes applied from the feed since the last build.", nil, nil)
	ixBuildDesc     = prometheus.NewDesc("lorebase_index_build_seconds", "Duration of the last build of the index.", nil, nil)
	ixSearchesDesc  = prometheus.NewDesc("lorebase_index_searches_total", "Search legs by where they ran: index (in process), sql (BM25 in PostgreSQL) or pgvector (HNSW).", []string{"leg", "path"}, nil)
	ixFallbacksDesc = prometheus.NewDesc("lorebase_index_behind_total", "Searches that found the index behind their organization's last commit and ran in SQL.", nil, nil)
)

// Describe implements prometheus.Collector.
func (ix *Index) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ixReadyDesc, ixOrgsDesc, ixChunksDesc, ixPostingsDesc, ixTombsDesc, ixVectorsDesc,
		ixVecOrgsDesc, ixBytesDesc, ixMaxVecDesc, ixLagDesc, ixPositionDesc, ixAppliedDesc, ixBuildDesc, ixSearchesDesc, ixFallbacksDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It walks the index's organizations (Stats), a few
// milliseconds a million chunks.
func (ix *Index) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	ready := 0.0
	if ix.Ready() {
		ready = 1
	}
	gauge(ixReadyDesc, ready)
	st := ix.Stats()
	gauge(ixOrgsDesc, float64(st.Organizations))
	gauge(ixChunksDesc, float64(st.Chunks))
	gauge(ixPostingsDesc, float64(st.Postings))
	gauge(ixTombsDesc, float64(st.Tombstones))
	gauge(ixVectorsDesc, float64(st.Vectors))
	gauge(ixVecOrgsDesc, float64(st.VectorOrgs))
	gauge(ixBytesDesc, float64(st.Bytes), "lexical")
	gauge(ixBytesDesc, float64(st.VectorBytes), "vectors")
	gauge(ixMaxVecDesc, float64(max(ix.cfg.MaxVectorBytes, 0)))
	if last := ix.lastSync.Load(); last > 0 {
		gauge(ixLagDesc, time.Since(time.Unix(0, last)).Seconds())
	}
	gauge(ixPositionDesc, float64(ix.position.Load()))
	counter(ixAppliedDesc, float64(st.Applied))
	gauge(ixBuildDesc, st.BuildTime.Seconds())
	counter(ixSearchesDesc, float64(indexedSearches.Load()), "lexical", "index")
	counter(ixSearchesDesc, float64(vectorLocalSearches.Load()), "vector", "index")
	counter(ixSearchesDesc, float64(vectorFallbackSearches.Load()), "vector", "pgvector")
	counter(ixFallbacksDesc, float64(behindSearches.Load()))
}
