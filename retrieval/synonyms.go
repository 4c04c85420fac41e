package retrieval

import (
	"strings"

	"github.com/lorebase/lorebase/textkit"
	"github.com/lorebase/lorebase/wordnet"
)

// synonymText says an English question in other words, for a lexical pass whose words matched
// no chunk at all ("Prozac" where the knowledge says "fluoxetine", "amnesia" where it says
// "blackout"): the WordNet synonyms of each non-stop word's base forms (the thesaurus's first
// senses; single words, as it keeps them), without the question's own words, which
// matched nothing already. Empty when there is no thesaurus, the question is not English
// (lang "en", or "" as the engine's default) or WordNet knows none of its words.
//
// It is only a fallback for a search that found nothing: synonyms of words that did match
// drift from what was asked (measured, not kept: WordNet synonyms weighted .3 beside the words
// of every NFCorpus dev question moved nDCG@10 by .001).
func synonymText(t *wordnet.Thesaurus, text, lang string) string {
	if t == nil || (lang != "en" && lang != "") {
		return ""
	}
	words := textkit.Words(text, "en")
	own := map[string]bool{}
	for _, w := range words {
		own[strings.ToLower(w.Text)] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range words {
		if w.Stop {
			continue
		}
		for _, base := range t.Bases(strings.ToLower(w.Text)) {
			for _, syn := range t.Synonyms(base) {
				if !own[syn] && !seen[syn] {
					seen[syn] = true
					out = append(out, syn)
				}
			}
		}
	}
	return strings.Join(out, " ")
}
