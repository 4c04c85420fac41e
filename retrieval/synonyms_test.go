package retrieval

import (
	"strings"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/internal/wordnettest"
)

func TestSynonymText(t *testing.T) {
	th := wordnettest.Thesaurus(t)
	got := strings.Fields(synonymText(th, "Is Prozac safe for children?", "en"))
	has := func(w string) bool {
		for _, g := range got {
			if g == w {
				return true
			}
		}
		return false
	}
	if !has("fluoxetine") || !has("kid") {
		t.Errorf("synonyms of Prozac and children: %q, want fluoxetine and kid among them", got)
	}
	if has("prozac") || has("children") || has("is") || has("for") {
		t.Errorf("the question's own words or stop words came back: %q", got)
	}
	if s := synonymText(th, "Ist Prozac sicher?", "de"); s != "" {
		t.Errorf("German question got English synonyms: %q", s)
	}
	if s := synonymText(nil, "Prozac", "en"); s != "" {
		t.Errorf("no thesaurus, yet synonyms: %q", s)
	}
}

// TestSearchSynonymFallback: a question whose words no chunk has is asked again in WordNet's
// synonyms, in SQL and in the in-process index alike; a question that matched keeps its own
// words only, and without a thesaurus nothing changes.
func TestSearchSynonymFallback(t *testing.T) {
	t.Parallel()
	th := wordnettest.Thesaurus(t)
	e := setup(t)
	org := e.org(t)
	it := e.item(t, org, "file", "Leaflets")
	var rows []lorebase.Chunk
	for i, c := range []string{
		"Fluoxetine and depression in adolescents: a randomised trial.",
		"Sertraline dosing in older adults.",
		"Depression screening in primary care.",
		"Weather report for the coast.",
	} {
		rows = append(rows, lorebase.Chunk{OrganizationID: org.String(), ItemID: it.String(), Position: i, Language: "en", Content: c})
	}
	e.add(t, rows...)
	with, err := New(e.db.Pool, Config{Thesaurus: th})
	if err != nil {
		t.Fatal(err)
	}
	without, err := New(e.db.Pool, Config{})
	if err != nil {
		t.Fatal(err)
	}
	indexed := e.indexedSearcher(t, Config{Thesaurus: th})
	q := Query{OrganizationID: org, Text: "Is Prozac safe?", Language: "en", Mode: ModeLexical, K: 5}
	if res := e.searchWith(t, without, q); len(res) != 0 {
		t.Fatalf("without a thesaurus: %q", contents(res))
	}
	got := e.searchWith(t, with, q)
	if c := contents(got); len(c) == 0 || !strings.HasPrefix(c[0], "Fluoxetine") {
		t.Errorf("Prozac by its synonyms: %q, want the fluoxetine chunk first", c)
	}
	if len(got) > 0 && got[0].LexicalPass != PassSynonyms {
		t.Errorf("lexical pass %q, want %q", got[0].LexicalPass, PassSynonyms)
	}
	sameRanking(t, "indexed vs sql, synonym pass", got, e.searchWith(t, indexed, q))
	q.Text = "Is Prozac safe for depression?"
	sameRanking(t, "a question that matched keeps its own words", e.searchWith(t, without, q), e.searchWith(t, with, q))
}
