// Package eval measures retrieval and answer quality against question sets. A Runner ingests a
// data set's documents into a fresh organization through worker.Knowledge and the River workers
// (the path the API uses), asks every question through answer.Engine (the path the API uses),
// and scores the replies: ranking metrics from a retrieval pass per mode, exact match and token
// F1 against gold answers, citation precision, abstention and FAQ-match accuracy, latency.
// Readers stream the three input formats (BEIR, SQuAD v1.1, the native JSONL set kept in
// testdata/eval); reports are written to a temporary file and renamed, so an interrupted run
// never leaves half a report.
package eval
