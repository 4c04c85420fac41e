package retrieval

import (
	"context"
	"testing"
	"time"
)

// indexedSearcher builds an in-process index over the test database and a Searcher using it.
func (e *env) indexedSearcher(t *testing.T, cfg Config) *Searcher {
	t.Helper()
	ix, err := NewIndex(e.db.Pool, IndexConfig{MaxLag: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.Index = ix
	s, err := New(e.db.Pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSearchStopWordsStayStopWords: an English question is also stemmed with the German
// configuration of the organization's German chunks, which keeps English stop words as lexemes.
// Only a chunk stemmed as German holds them (English text whose language was misdetected), so
// they had a tiny df and a huge idf, and that chunk topped unrelated questions. The query's own
// language decides which words are stop words, in the SQL statement and in the index alike.
func TestSearchStopWordsStayStopWords(t *testing.T) {
	t.Parallel()
	e := setup(t)
	org := e.org(t)
	item := e.item(t, org, "file", "doc")
	e.add(t,
		ChunkRow{OrganizationID: org, ItemID: item, Position: 0, Content: "Dogs need food rich in protein.", Language: "en"},
		ChunkRow{OrganizationID: org, ItemID: item, Position: 1, Content: "Cats sleep for most of the day.", Language: "en"},
		ChunkRow{OrganizationID: org, ItemID: item, Position: 2, Content: "This is the manual for the printer, and it is what the office uses.", Language: "de"},
	)
	indexed := e.indexedSearcher(t, Config{})
	for name, s := range map[string]*Searcher{"sql": e.s, "indexed": indexed} {
		res := e.searchWith(t, s, Query{OrganizationID: org, Text: "What is the best food for the dogs?", Language: "en", Mode: ModeLexical})
		if len(res) != 1 || res[0].Content != "Dogs need food rich in protein." {
			t.Errorf("%s: results %v, want only the dog food chunk", name, contents(res))
		}
		// German stop words of a German question are dropped too, while German stemming still
		// finds the German chunk by its content words.
		res = e.searchWith(t, s, Query{OrganizationID: org, Text: "Wo ist das Handbuch für den printer?", Language: "de", Mode: ModeLexical})
		if len(res) != 1 || res[0].Content[:4] != "This" {
			t.Errorf("%s: results %v, want only the printer chunk", name, contents(res))
		}
	}
}

func contents(res []Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Content
	}
	return out
}
