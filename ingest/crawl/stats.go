package crawl

import "time"

// SkipReason says why a URL was not fetched or not handed to visit.
type SkipReason string

const (
	SkipScope             SkipReason = "out of scope"
	SkipRobots            SkipReason = "disallowed by robots.txt"
	SkipRobotsUnavailable SkipReason = "robots.txt unavailable"
	SkipNotHTML           SkipReason = "not HTML"
	SkipNoIndex           SkipReason = "noindex"
	SkipDuplicate         SkipReason = "duplicate"
)

// Skip is one URL the crawl passed over.
type Skip struct {
	URL    string
	Reason SkipReason
	// Of is the page this one duplicates, for SkipDuplicate.
	Of string
	// Err is why robots.txt was unavailable, for SkipRobotsUnavailable.
	Err error
}

// Failure is one URL whose fetch failed for a reason that may be temporary.
type Failure struct {
	URL string
	Err error
}

// Problem is one URL the crawl tried and could not index: a failed fetch, an HTTP error (404
// and 410 included), content that is not HTML, or an unreachable robots.txt. Reason is in words a
// knowledge manager may read (see Reason): never the raw error.
type Problem struct {
	URL    string
	Reason string
	At     time.Time
}

// Stats reports what a crawl did. URLs are normalised keys (see Key), the same keys Result.Key
// carries and Run's known map is expected to use.
type Stats struct {
	// Visited are the pages handed to visit, changed or not (NotModified ones included).
	Visited []string
	// NotModified are the Visited pages the server answered 304 for.
	NotModified []string
	Skipped     []Skip
	Failed      []Failure
	// Gone are pages that answered 404 or 410: delete their chunks.
	Gone []string
	// Problems are the URLs the crawl tried and could not index, in crawl order. Robots.txt
	// refusals, duplicates, noindex and out-of-scope links are not problems.
	Problems []Problem
	// Complete is true when the crawl ran out of URLs, rather than stopping at MaxPages or on
	// an error, so every known page was looked at.
	Complete bool
}

// Vanished returns the known pages this crawl did not see: gone, no longer linked, now
// disallowed, noindex or duplicate. Pages whose fetch failed or whose robots.txt was
// unreachable are not included, since that may be temporary. It returns nil for an incomplete
// crawl, which cannot prove a page's absence.
func (s Stats) Vanished(known map[string]Validators) []string {
	if !s.Complete {
		return nil
	}
	keep := map[string]bool{}
	for _, u := range s.Visited {
		keep[u] = true
	}
	for _, f := range s.Failed {
		keep[f.URL] = true
	}
	for _, sk := range s.Skipped {
		if sk.Reason == SkipRobotsUnavailable {
			keep[sk.URL] = true
		}
	}
	var out []string
	for k := range known {
		if !keep[k] {
			out = append(out, k)
		}
	}
	return out
}
