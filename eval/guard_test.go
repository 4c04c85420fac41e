package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/internal/wordnettest"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/store/storetest"
	"github.com/lorebase/lorebase/wordnet"
)

const floorsPath = "../testdata/eval/floors.json"

// floorMargin is how far below its figure a floor sits: the offline run is deterministic, so
// the margin only absorbs a changed question or two; a real regression goes through it.
const floorMargin = 0.03

// guardSet is a question set CI runs. External sets live in ../shared/data, outside the
// repository (their licences keep them out of it); their guard is skipped where they are absent.
type guardSet struct {
	name, path, extra string
	modes             []string
	external          bool
}

// guardSets are the question sets CI runs: the team's own, and the StackFAQ dev set with the
// unrelated questions no curated pair may answer (the FAQ decision's floors).
var guardSets = []guardSet{
	{name: "kb", path: "../testdata/eval/kb", modes: []string{"lexical", "vector", "hybrid"}},
	{name: "kb-de", path: "../testdata/eval/kb-de", modes: []string{"lexical", "vector", "hybrid"}},
	{name: "faq-dev", path: "../../shared/data/faq-dev", extra: "../testdata/eval/faq-unrelated.jsonl", modes: []string{"hybrid"}, external: true},
}

// floors is testdata/eval/floors.json: per set, each overall quality figure of a real run and
// the bound CI holds it to (a ceiling for false abstention, where lower is better).
type floors struct {
	Comment  string                      `json:"comment"`
	Recorded string                      `json:"recorded"`
	Command  string                      `json:"command"`
	Config   string                      `json:"config"`
	Margin   float64                     `json:"margin"`
	Sets     map[string]map[string]bound `json:"sets"`
}

type bound struct {
	Figure  float64  `json:"figure"`
	Floor   *float64 `json:"floor,omitempty"`
	Ceiling *float64 `json:"ceiling,omitempty"`
}

func lowerIsBetter(name string) bool {
	return strings.HasSuffix(name, "false_abstention") || strings.HasSuffix(name, "faq_false_match")
}

func boundsOf(r *Report) map[string]bound {
	out := map[string]bound{}
	for _, v := range r.Flatten() {
		// A floor at zero cannot fail (exact match of the extractive answerer's sentences is 0).
		if IsLatency(v.Name) || !strings.HasPrefix(v.Name, "overall.") || (v.Value == 0 && !lowerIsBetter(v.Name)) {
			continue
		}
		fig := math.Round(v.Value*1000) / 1000
		if lowerIsBetter(v.Name) {
			out[v.Name] = bound{Figure: fig, Ceiling: ptr(math.Min(1, math.Ceil((v.Value+floorMargin)*1000)/1000))}
		} else {
			out[v.Name] = bound{Figure: fig, Floor: ptr(math.Max(0, math.Floor((v.Value-floorMargin)*1000)/1000))}
		}
	}
	return out
}

// setup gives a test a fresh database and the offline defaults, as `lorebase eval` uses them
// with no model server.
func setup(t *testing.T, progress Progress) (Deps, *storetest.DB) {
	t.Helper()
	db := storetest.New(t)
	chunker, err := chunk.New(chunk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Pool: db.Pool, Embedder: offline.NewEmbedder(0), Chat: offline.NewAnswerer(offline.AnswererConfig{}), Chunker: chunker,
		Progress: progress}, db
}

// thesaurus is WordNet as lorebase eval loads it, or nil when it is not installed (the figures
// then fall; scripts/setup.sh installs it).
func thesaurus(t *testing.T) *wordnet.Thesaurus {
	th, err := wordnettest.Shared()
	if err != nil {
		t.Logf("WordNet not loaded (%v): FAQ matching on exact words only", err)
	}
	return th
}

// extractive tells the engine that setup's chat model is the offline extractive answerer.
var extractive = answer.Config{Extractive: true}

// assertNothingLeft checks that a run left no organization, item, chunk or waiting job behind.
func assertNothingLeft(t *testing.T, db *storetest.DB) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`SELECT count(*) FROM organizations`,
		`SELECT count(*) FROM knowledge_items`,
		`SELECT count(*) FROM chunks`,
		`SELECT count(*) FROM chunk_terms`,
		`SELECT count(*) FROM river_job WHERE kind LIKE 'ingest%' AND state NOT IN ('completed', 'cancelled', 'discarded')`,
	} {
		var n int
		if err := db.Pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%s = %d after the run, want 0", q, n)
		}
	}
}

// TestGuard is the regression guard: it runs the team's question sets end to end (ingestion
// through River, answers through answer.Engine) with the offline defaults and fails when a
// quality figure falls below its floor in testdata/eval/floors.json. After a deliberate change,
// record new figures with `go test ./eval -run TestGuard -update` and commit them.
func TestGuard(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end evaluation")
	}
	var want floors
	raw, err := os.ReadFile(floorsPath)
	if err != nil && !*update {
		t.Fatal(err)
	}
	if err == nil {
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	measured := map[string]map[string]bound{}
	t.Run("sets", func(t *testing.T) {
		for _, gs := range guardSets {
			name := gs.name
			t.Run(name, func(t *testing.T) {
				if gs.external && !exists(gs.path) {
					mu.Lock()
					if old, ok := want.Sets[name]; ok {
						measured[name] = old // kept as recorded
					}
					mu.Unlock()
					t.Skipf("%s not available", gs.path)
				}
				t.Parallel()
				deps, db := setup(t, nil)
				ds, err := Open(gs.path, OpenConfig{Extra: gs.extra})
				if err != nil {
					t.Fatal(err)
				}
				runner, err := New(deps, Config{Modes: gs.modes, Answer: answer.Config{Extractive: true, Thesaurus: thesaurus(t)}})
				if err != nil {
					t.Fatal(err)
				}
				report, results, err := runner.Run(context.Background(), ds)
				if err != nil {
					t.Fatal(err)
				}
				assertNothingLeft(t, db)
				if report.Errors > 0 || len(report.FailedDocuments) > 0 || len(results) != report.Questions {
					t.Fatalf("%d errors, failed documents %v", report.Errors, report.FailedDocuments)
				}
				got := boundsOf(report)
				mu.Lock()
				measured[name] = got
				mu.Unlock()
				if *update {
					_ = report.WriteSummary(io.Discard)
					return
				}
				bounds, ok := want.Sets[name]
				if !ok {
					t.Fatalf("%s has no floors in %s: run with -update", name, floorsPath)
				}
				for _, metric := range slices.Sorted(func(yield func(string) bool) {
					for k := range bounds {
						if !yield(k) {
							return
						}
					}
				}) {
					b := bounds[metric]
					v, ok := got[metric]
					switch {
					case !ok:
						t.Errorf("%s: %s no longer measured (recorded %.3f)", name, metric, b.Figure)
					case b.Floor != nil && v.Figure < *b.Floor:
						t.Errorf("%s: %s = %.3f, below its floor %.3f (recorded %.3f)", name, metric, v.Figure, *b.Floor, b.Figure)
					case b.Ceiling != nil && v.Figure > *b.Ceiling:
						t.Errorf("%s: %s = %.3f, above its ceiling %.3f (recorded %.3f)", name, metric, v.Figure, *b.Ceiling, b.Figure)
					}
				}
			})
		}
	})
	if *update && !t.Failed() {
		f := floors{
			Comment: "Regression floors of the eval guard (eval/guard_test.go). figure: measured by a real run; floor (ceiling " +
				"for false abstention) = figure ∓ margin. Overall figures; the answer pass uses hybrid retrieval, k 8; figures of 0 " +
				"(exact match: the offline answerer replies with whole sentences) get no floor.",
			Recorded: time.Now().UTC().Format("2006-01-02"),
			Command:  "go test ./eval -run TestGuard -update",
			Config: "offline embedder lorebase-hash-v1 (384 dims), offline extractive answerer, default chunker, WordNet from " +
				"/usr/share/wordnet when installed; modes lexical, vector, hybrid (faq-dev: hybrid, plus testdata/eval/faq-unrelated.jsonl)",
			Margin: floorMargin,
			Sets:   measured,
		}
		if err := WriteFileAtomic(floorsPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(f)
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// cancelOn cancels the run when a stage starts with a known total.
type cancelOn struct {
	stage  string
	cancel context.CancelFunc
	noProgress
}

func (c cancelOn) Start(stage string, total int) {
	if stage == c.stage && total > 0 {
		c.cancel()
	}
}

// An interrupted run (Ctrl-C cancels the context) returns the cancellation and leaves nothing
// behind: its organization is deleted and the jobs of the items still waiting are cancelled.
func TestInterruptedRunLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{"ingest", "ask"} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			deps, db := setup(t, cancelOn{stage: stage, cancel: cancel})
			ds, err := Open("../testdata/eval/kb", OpenConfig{})
			if err != nil {
				t.Fatal(err)
			}
			runner, err := New(deps, Config{Answer: extractive})
			if err != nil {
				t.Fatal(err)
			}
			report, _, err := runner.Run(ctx, ds)
			if !errors.Is(err, context.Canceled) || report != nil {
				t.Fatalf("got report %v, error %v; want context.Canceled", report != nil, err)
			}
			assertNothingLeft(t, db)
		})
	}
}

func TestWriteFileAtomicKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		fmt.Fprint(w, "half a rep")
		return context.Canceled
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	got, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(got) != "old" || len(entries) != 1 {
		t.Fatalf("file %q and %d entries after a failed write", got, len(entries))
	}
}
