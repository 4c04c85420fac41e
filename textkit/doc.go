// Package textkit is lorebase's text toolkit, shared by ingestion, retrieval, answering and
// evaluation: Unicode normalisation and accent folding, tokenising into words and CJK runs,
// CJK detection, stop words and stemming, language detection and language names, sentence
// splitting, follow-up rewriting and evidence coverage (how much of a question some passages
// answer).
//
// It is deterministic, does no I/O and holds no state beyond read-only tables. It imports no
// lorebase package, so every layer can use it; outside the standard library it needs only
// golang.org/x/text (NFKC and NFD normalisation, which the standard library lacks) and the
// snowball stemmers (pure Go, no dependencies of their own).
package textkit
