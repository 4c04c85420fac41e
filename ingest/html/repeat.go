package html

import (
	"cmp"
	"hash/fnv"
	"strings"

	"github.com/lorebase/lorebase/ingest"
)

// Defaults for RepeatFilter: a block is site furniture when it appears on at least half the
// pages of a crawl, once the crawl has at least four pages to compare.
const (
	RepeatMinPagesDefault = 4
	RepeatShareDefault    = 0.5
)

// RepeatFilterConfig tunes RepeatFilter; zero fields take the defaults.
type RepeatFilterConfig struct {
	MinPages int     // pages observed before anything is called repeated
	Share    float64 // share of observed pages a block must appear on to be dropped
}

// RepeatFilter drops blocks that repeat across most pages of one crawl: a site's banner text,
// copyright lines, "was this page helpful?" boxes and the like, whatever markup carries them.
// It learns from the pages themselves (nothing is keyed on a site or generator): Observe every
// page of the crawl, then Filter each. Headings and code are never dropped: "Parameters" or
// "Examples" heads every reference page of a manual and still structures it.
//
// A RepeatFilter is not safe for concurrent use.
type RepeatFilter struct {
	cfg   RepeatFilterConfig
	pages int
	seen  map[uint64]int
}

// NewRepeatFilter returns an empty filter.
func NewRepeatFilter(cfg RepeatFilterConfig) *RepeatFilter {
	cfg.MinPages = cmp.Or(cfg.MinPages, RepeatMinPagesDefault)
	if cfg.Share <= 0 || cfg.Share > 1 {
		cfg.Share = RepeatShareDefault
	}
	return &RepeatFilter{cfg: cfg, seen: map[uint64]int{}}
}

// Pages is how many pages were observed.
func (f *RepeatFilter) Pages() int { return f.pages }

// Observe counts the distinct candidate blocks of one page.
func (f *RepeatFilter) Observe(d *ingest.Document) {
	if d == nil {
		return
	}
	f.ObserveKeys(BlockKeys(d))
}

// ObserveKeys counts one page given by its BlockKeys, as remembered from an earlier crawl.
func (f *RepeatFilter) ObserveKeys(keys []int64) {
	f.pages++
	for _, k := range keys {
		f.seen[uint64(k)]++
	}
}

// ForgetKeys takes back a page counted with ObserveKeys, when the page changed since.
func (f *RepeatFilter) ForgetKeys(keys []int64) {
	if f.pages == 0 {
		return
	}
	f.pages--
	for _, k := range keys {
		if f.seen[uint64(k)] > 0 {
			f.seen[uint64(k)]--
		}
	}
}

// BlockKeys returns the distinct hashes of d's candidate blocks (headings and code never
// count), for a crawler to remember a page's blocks between crawls.
func BlockKeys(d *ingest.Document) []int64 {
	var out []int64
	distinct := map[uint64]bool{}
	for _, b := range d.Blocks {
		if k, ok := repeatKey(b); ok && !distinct[k] {
			distinct[k] = true
			out = append(out, int64(k))
		}
	}
	return out
}

// Repeated reports whether b is on enough observed pages to count as furniture.
func (f *RepeatFilter) Repeated(b ingest.Block) bool {
	if f.pages < f.cfg.MinPages {
		return false
	}
	k, ok := repeatKey(b)
	return ok && float64(f.seen[k]) >= f.cfg.Share*float64(f.pages)
}

// Filter removes d's repeated blocks in place and returns how many it removed. A page made
// only of repeated blocks is left whole: dropping it entirely would hide it from search.
func (f *RepeatFilter) Filter(d *ingest.Document) int {
	if d == nil || f.pages < f.cfg.MinPages {
		return 0
	}
	kept := make([]ingest.Block, 0, len(d.Blocks))
	content := false
	for _, b := range d.Blocks {
		if f.Repeated(b) {
			continue
		}
		kept = append(kept, b)
		if b.Kind != ingest.BlockHeading {
			content = true
		}
	}
	if !content {
		return 0
	}
	removed := len(d.Blocks) - len(kept)
	d.Blocks = kept
	return removed
}

func repeatKey(b ingest.Block) (uint64, bool) {
	if b.Kind == ingest.BlockHeading || b.Kind == ingest.BlockCode {
		return 0, false
	}
	text := strings.ToLower(strings.Join(strings.Fields(b.Text), " "))
	if text == "" {
		return 0, false
	}
	h := fnv.New64a()
	h.Write([]byte(b.Kind))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return h.Sum64(), true
}
