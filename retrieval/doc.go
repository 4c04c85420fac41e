// Package retrieval finds the chunks that answer a question: lexical BM25 over an inverted index
// kept in PostgreSQL, vector kNN over the stored embeddings, and a fusion of both (weighted convex
// combination of normalised scores by default, reciprocal rank fusion on request).
//
// Writing: [Indexer] copies chunks into the chunks table; triggers from
// migrations/002_retrieval.sql maintain the postings (chunk_terms) and per-chunk lengths
// (chunk_stats) in the same transaction, so a chunk is searchable the moment its transaction
// commits and gone the moment its deletion commits.
//
// Reading with an [Index] (Config.Index; lorebase serve, dev and eval run one per process): the
// lexical list comes from the in-process block-max index, exact BM25 over the same postings,
// and the vector list from the index's quantized copy of the organization's vectors (a
// sign-agreement pass, an int8 rescoring, then pgvector's exact cosine for the best few in
// SQL), both kept current from the chunk_changes feed (migrations 005 and 012). The query's
// stemming is sent first; while PostgreSQL stems, the replica runs the vector passes and sends
// the rescoring, then scores BM25 in process: one round trip for both legs. While the index is
// building or behind, the SQL path below runs instead; organizations whose vectors the index
// does not hold (IndexConfig.MaxVectorBytes) search vectors through HNSW in the same pipeline.
//
// Reading without one: [Searcher] sends both retrievers in one pipelined batch (one round trip, one implicit
// read-only transaction), each bounded to [CandidatesFor](K) candidates, fuses them and loads the
// top K with their item's title and type in a second round trip. BM25 is exact but prunes
// (MaxScore): common terms are scored only on chunks that can still make the list, and their
// document frequencies are cached with the organization's statistics. Results keep the raw BM25 score and cosine similarity next to the fused score, because
// the answer path thresholds on raw scores (FAQ-first, abstention) and fused scores are only
// comparable within one result list.
//
// Text: chunks and queries go through [PrepareText] (CJK runs become character bigrams, since
// PostgreSQL's parser would keep a whole run as one token) and are stemmed with the text search
// configuration of their language ([TextConfig]).
package retrieval
