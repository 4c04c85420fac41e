// Package offline answers and embeds with no model server, no network and no downloaded
// weights, so lorebase works out of the box and in tests. Everything here is deterministic.
//
// # Embedder
//
// [Embedder] is a signed feature-hashing embedder ("hashing trick"). Text is normalised (NFKC,
// lower case, Latin accents folded, ß→ss), split into words and CJK runs, and these features are
// hashed into a fixed number of dimensions with a random-looking sign:
//
//   - word unigrams (stop words of en, de, es, fr, pt, it, nl, ru down-weighted),
//   - word bigrams (not across punctuation; stop-word-only pairs dropped),
//   - character 3–5-grams inside each word, with word-boundary marks,
//   - character unigrams and bigrams of Chinese, Japanese and Korean runs, which have no spaces.
//
// Counts are weighted sublinearly (1+ln tf) and the vector is L2-normalised, so cosine
// similarity is the dot product.
//
// What it captures: lexical overlap between a question and a passage; morphology and compounds
// through the subword n-grams ("install" ~ "installation", "Hauptstadt" ~ "Hauptstädte"); some
// robustness to typos and inflection; word order a little, through bigrams.
//
// What it cannot capture: synonyms ("cost" vs "price"), paraphrases that share no words,
// and anything cross-lingual (an English question never finds a German passage). There is no
// IDF either: frequent non-stop words weigh as much as rare ones. With few dimensions, hash
// collisions add noise; more dimensions cost space but retrieve better. Use it as the no-setup
// default and prefer a real embedding model when one is available.
//
// # Answerer
//
// [Answerer] is an extractive "chat model": it picks the 1–3 sentences of the given passages that
// best cover the question (stemmed terms weighted by IDF over the passages' sentences, character
// bigrams for CJK) and returns them verbatim with [N] citations. It never writes text of its own;
// when nothing overlaps the question it returns empty content so the caller can abstain.
//
// The text processing both models build on (normalisation, tokens, stop words, stemming,
// language detection, sentence splitting, the sentence scorer) lives in package textkit, which
// the rest of lorebase uses too; this package holds only the two models.
package offline
