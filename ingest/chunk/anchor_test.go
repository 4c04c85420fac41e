package chunk

import (
	"strings"
	"testing"

	"github.com/lorebase/lorebase/ingest"
)

// A chunk carries the anchor of its innermost anchored heading, so a source can link to the
// section; a sub-heading without an anchor inherits its parent's.
func TestChunkAnchors(t *testing.T) {
	c := newTestChunker(t, Config{TargetTokens: 40, MaxTokens: 60, OverlapTokens: -1})
	doc := &ingest.Document{Blocks: []ingest.Block{
		para("Preface before any heading."),
		{Kind: ingest.BlockHeading, Level: 1, Text: "Manual", Anchor: "top"},
		para("Intro text."),
		{Kind: ingest.BlockHeading, Level: 2, Text: "Options", Anchor: "_options"},
		para(sentencesText(0, 6)),
		{Kind: ingest.BlockHeading, Level: 3, Text: "Details"},
		para("Detail text."),
		{Kind: ingest.BlockHeading, Level: 2, Text: "Environment", Anchor: "_environment"},
		para("HOME is read."),
	}}
	got := map[string]string{}
	for _, ch := range c.Chunk(doc) {
		key := strings.Join(ch.HeadingPath, " > ")
		if prev, ok := got[key]; ok && prev != ch.Anchor {
			t.Errorf("%q: chunks disagree on anchor %q vs %q", key, prev, ch.Anchor)
		}
		got[key] = ch.Anchor
	}
	want := map[string]string{
		"":                           "",
		"Manual":                     "top",
		"Manual > Options":           "_options",
		"Manual > Options > Details": "_options",
		"Manual > Environment":       "_environment",
	}
	for k, v := range want {
		if a, ok := got[k]; !ok || a != v {
			t.Errorf("section %q: anchor %q (present %v), want %q", k, a, ok, v)
		}
	}
}
