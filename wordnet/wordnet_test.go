package wordnet

import (
	"slices"
	"testing"
)

func load(t testing.TB) *Thesaurus {
	t.Helper()
	th, err := Load(DefaultDir, 0)
	if IsNotExist(err) {
		t.Skipf("WordNet not installed at %s (scripts/setup.sh installs wordnet-base)", DefaultDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func TestBasesAndSynonyms(t *testing.T) {
	th := load(t)
	for word, want := range map[string]string{"children": "child", "went": "go", "asked": "ask", "kids": "kid", "mice": "mouse", "better": "good"} {
		if got := th.Bases(word); !slices.Contains(got, want) {
			t.Errorf("Bases(%q) = %v, want %q among them", word, got, want)
		}
	}
	if got := th.Synonyms("kid"); !slices.Contains(got, "child") {
		t.Errorf("Synonyms(kid) = %v, want child", got)
	}
	if got := th.Synonyms("buy"); !slices.Contains(got, "purchase") {
		t.Errorf("Synonyms(buy) = %v, want purchase", got)
	}
	if th.Bases("qwzx") != nil || th.Synonyms("qwzx") != nil {
		t.Error("an unknown word has bases or synonyms")
	}
	t.Logf("%d words with synonyms", th.Len())
}

func TestMissingDatabase(t *testing.T) {
	_, err := Load(t.TempDir(), 0)
	if !IsNotExist(err) {
		t.Fatalf("error %v, want not-exist", err)
	}
	var none *Thesaurus
	if none.Bases("went") != nil || none.Synonyms("kid") != nil || none.Len() != 0 {
		t.Fatal("a nil thesaurus knows words")
	}
}

func BenchmarkLoad(b *testing.B) {
	load(b)
	for b.Loop() {
		if _, err := Load(DefaultDir, 0); err != nil {
			b.Fatal(err)
		}
	}
}
