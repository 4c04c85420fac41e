package retrieval

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/textkit"
)

// AnalyzerVersion is the version of what goes into chunks.search_text, stored with every chunk
// (migration 013). Version 1 was the heading path and the content; version 2 adds the title
// field and writes identifiers out whole and as parts (PrepareText). Chunks of an older version
// stay searchable and are rewritten by Reanalyze.
const AnalyzerVersion = 2

// Field weights of BM25F. A chunk's lexical text is its title, its heading path and its body;
// a field of weight w counts each of its terms w times, before BM25's saturation. This is the
// BM25F of Robertson, Zaragoza and Taylor ("Simple BM25 extension to multiple weighted
// fields", 2004) with one length normalisation for the whole chunk: weighting term frequencies
// before saturation, rather than adding per-field BM25 scores, keeps a term found in both the
// title and the body from counting as two independent pieces of evidence. Written into the
// analysed text, the weights need no second kind of posting, and the in-process index and the
// SQL statement stay exactly equal because both read the same postings.
//
// The title carries what a whole document is about to each of its chunks (on NFCorpus, whose
// titles were not indexed at all before, title weight 1 adds .8 points of nDCG@10 and 2 adds 1.0
// on the dev queries; 3 and 4 fall back); headings say what a section is about and keep the
// weight 1 they had.
const (
	TitleWeight   = 2
	HeadingWeight = 1
)

// FieldText is the text the analyzer indexes for a chunk: the title TitleWeight times, the
// heading path HeadingWeight times, then the content, one field per line. A title equal to
// the first heading (a Markdown file's "# Title") is not counted again.
func FieldText(title string, headings []string, content string) string {
	title = strings.TrimSpace(title)
	if title != "" && len(headings) > 0 && strings.EqualFold(textkit.Fold(strings.TrimSpace(headings[0])), textkit.Fold(title)) {
		title = ""
	}
	var b strings.Builder
	for i := 0; title != "" && i < TitleWeight; i++ {
		b.WriteString(title)
		b.WriteByte('\n')
	}
	if len(headings) > 0 {
		h := strings.Join(headings, " ")
		for i := 0; i < HeadingWeight; i++ {
			b.WriteString(h)
			b.WriteByte('\n')
		}
	}
	b.WriteString(content)
	return b.String()
}

// ChunkTitle is the title field of a chunk: a crawled page's title, else the item's title. A
// curated Q&A pair has none: its question is already the start of its text, and weighting it
// again moved faq-dev's FAQ P@1 from .808 to .799 and let pairs whose questions share only
// generic words ("how much") outrank the manual page that answers (testdata kb). Reanalyze
// takes the title from the same columns.
func ChunkTitle(kind lorebase.ChunkKind, itemTitle, pageTitle string) string {
	switch {
	case kind == lorebase.ChunkQA:
		return ""
	case strings.TrimSpace(pageTitle) != "":
		return pageTitle
	}
	return itemTitle
}

// staleChunksSQL locks a batch of chunks written by an older analyzer, with what their fields
// are made of; SKIP LOCKED leaves chunks an ingestion is replacing to that ingestion.
const staleChunksSQL = `
SELECT c.id, c.kind, c.content, c.heading_path, k.title, coalesce(p.title, '')
FROM chunks c
JOIN knowledge_items k ON k.id = c.item_id
LEFT JOIN crawl_pages p ON p.id = c.page_id
WHERE c.analyzer < $1
ORDER BY c.analyzer, c.id
LIMIT $2
FOR UPDATE OF c SKIP LOCKED`

// reanalyzeSQL rewrites the search text; the update trigger of migrations/002 rewrites the
// chunk's postings and that of 005 tells the in-process indexes.
const reanalyzeSQL = `
UPDATE chunks c SET search_text = u.search_text, analyzer = $3
FROM unnest($1::bigint[], $2::text[]) AS u(id, search_text)
WHERE c.id = u.id`

// Reanalyze rewrites the search text of up to limit chunks that an older analyzer wrote, in
// one transaction, and returns how many it rewrote (0: none is left). Their postings change
// with them, so their BM25 scores become those of freshly ingested chunks; nothing is
// re-extracted or re-embedded. A chunk's language is not needed: PrepareText does not depend on
// it, and the chunk keeps its text search configuration.
func (ix *Indexer) Reanalyze(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	n := 0
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, staleChunksSQL, AnalyzerVersion, limit)
		if err != nil {
			return err
		}
		var (
			ids   []int64
			texts []string
		)
		var (
			id                        int64
			kind, content, title, pgT string
			headings                  []string
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &kind, &content, &headings, &title, &pgT}, func() error {
			ids = append(ids, id)
			texts = append(texts, PrepareText(FieldText(ChunkTitle(lorebase.ChunkKind(kind), title, pgT), headings, content), ""))
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, reanalyzeSQL, ids, texts, AnalyzerVersion); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reanalyze chunks: %w", err)
	}
	return n, nil
}
