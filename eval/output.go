package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// Value is one named figure of a report, for comparisons and floors.
type Value struct {
	Name  string
	Value float64
}

// Flatten lists a report's figures under stable names such as
// "overall.retrieval.hybrid.ndcg@10", "overall.answer.f1" or "de.latency.total.p95": overall
// first, then each language. Metrics without questions are left out.
func (r *Report) Flatten() []Value {
	var out []Value
	add := func(prefix string, m Metrics) {
		for _, mode := range slices.Sorted(maps.Keys(m.Retrieval)) {
			rr := m.Retrieval[mode]
			if rr.Questions == 0 {
				continue
			}
			p := prefix + ".retrieval." + mode + "."
			out = append(out, Value{p + "ndcg@10", rr.Mean.NDCG10}, Value{p + "recall@1", rr.Mean.Recall1},
				Value{p + "recall@5", rr.Mean.Recall5}, Value{p + "recall@10", rr.Mean.Recall10},
				Value{p + "recall@100", rr.Mean.Recall100}, Value{p + "mrr@10", rr.Mean.MRR10},
				Value{p + "latency.p50", rr.LatencyMS.P50}, Value{p + "latency.p95", rr.LatencyMS.P95}, Value{p + "latency.p99", rr.LatencyMS.P99})
		}
		a := m.Answer
		for _, f := range []struct {
			name string
			v    *float64
		}{{"hit@k", a.HitAtK}, {"exact_match", a.ExactMatch}, {"f1", a.F1}, {"contains", a.Contains},
			{"citation_precision", a.CitationPrecision}, {"abstention_accuracy", a.AbstentionAccuracy},
			{"false_abstention", a.FalseAbstention}, {"faq_match_accuracy", a.FAQMatchAccuracy},
			{"faq_p@1", a.FAQPrecisionAt1}, {"faq_decision_precision", a.FAQDecisionPrecision},
			{"faq_decision_recall", a.FAQDecisionRecall}, {"faq_false_match", a.FAQFalseMatch}} {
			if f.v != nil {
				out = append(out, Value{prefix + ".answer." + f.name, *f.v})
			}
		}
		l := m.Latency
		out = append(out, Value{prefix + ".latency.retrieval.p50", l.Retrieval.P50}, Value{prefix + ".latency.retrieval.p95", l.Retrieval.P95},
			Value{prefix + ".latency.retrieval.p99", l.Retrieval.P99}, Value{prefix + ".latency.total.p50", l.Total.P50},
			Value{prefix + ".latency.total.p95", l.Total.P95}, Value{prefix + ".latency.total.p99", l.Total.P99})
	}
	add("overall", r.Overall)
	for _, lang := range slices.Sorted(maps.Keys(r.Languages)) {
		add(lang, r.Languages[lang])
	}
	return out
}

// IsLatency tells latency figures (lower is better, and machine-dependent) from quality ones.
func IsLatency(name string) bool { return strings.Contains(name, "latency") }

// ReadReport loads a JSON report.
func ReadReport(path string) (*Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFormat, path, err)
	}
	return &r, nil
}

// WriteFileAtomic writes a file through a temporary file in the same folder and a rename, so
// readers (and an interrupted run) never see half a file.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteResults writes one JSON line per question.
func WriteResults(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, res := range results {
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

func pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *v)
}

// WriteSummary prints the tables a terminal shows after a run.
func (r *Report) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s (%s): %d documents (%d failed), %d questions (%d errors); mode %s, k %d, embedder %s, chat %s\n",
		r.Dataset, r.Format, r.Documents, len(r.FailedDocuments), r.Questions, r.Errors, r.Config.Mode, r.Config.K, r.Config.Embedder, r.Config.ChatModel)
	fmt.Fprintf(tw, "ingest %.1fs, questions %.1fs\n\n", r.IngestSeconds, r.AskSeconds)
	groups := append([]string{"overall"}, slices.Sorted(maps.Keys(r.Languages))...)
	metricsOf := func(g string) Metrics {
		if g == "overall" {
			return r.Overall
		}
		return r.Languages[g]
	}
	fmt.Fprintln(tw, "retrieval\tmode\tquestions\tnDCG@10\tR@1\tR@5\tR@10\tR@100\tMRR@10\tp50 ms\tp95 ms\tp99 ms")
	for _, g := range groups {
		m := metricsOf(g)
		for _, mode := range r.Config.Modes {
			rr := m.Retrieval[mode]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.1f\n", g, mode, rr.Questions, rr.Mean.NDCG10,
				rr.Mean.Recall1, rr.Mean.Recall5, rr.Mean.Recall10, rr.Mean.Recall100, rr.Mean.MRR10, rr.LatencyMS.P50, rr.LatencyMS.P95, rr.LatencyMS.P99)
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "answers\tquestions\thit@%d\tEM\tF1\tcontains\tcitation P\tabstention\tfalse abst.\tFAQ match\n", r.Config.K)
	for _, g := range groups {
		a := metricsOf(g).Answer
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g, metricsOf(g).Questions, pct(a.HitAtK), pct(a.ExactMatch), pct(a.F1),
			pct(a.Contains), pct(a.CitationPrecision), pct(a.AbstentionAccuracy), pct(a.FalseAbstention), pct(a.FAQMatchAccuracy))
	}
	if a := r.Overall.Answer; a.FAQPrecisionAt1 != nil || a.FAQDecisionPrecision != nil {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "FAQ decision\tP@1\tprecision\trecall\tfalse match")
		for _, g := range groups {
			a := metricsOf(g).Answer
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", g, pct(a.FAQPrecisionAt1), pct(a.FAQDecisionPrecision), pct(a.FAQDecisionRecall), pct(a.FAQFalseMatch))
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "latency ms\tretrieval p50\tp95\tp99\tanswer p50\tp95\tp99")
	for _, g := range groups {
		l := metricsOf(g).Latency
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", g, l.Retrieval.P50, l.Retrieval.P95, l.Retrieval.P99, l.Total.P50, l.Total.P95, l.Total.P99)
	}
	return tw.Flush()
}

// WriteMarkdown writes the report as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# Evaluation: %s\n\n", r.Dataset)
	fmt.Fprintf(b, "- format: %s; %d documents (%d failed); %d questions (%d errors)\n", r.Format, r.Documents, len(r.FailedDocuments), r.Questions, r.Errors)
	fmt.Fprintf(b, "- answer pass: mode %s, k %d; retrieval pass: modes %s, depth %d\n", r.Config.Mode, r.Config.K, strings.Join(r.Config.Modes, ", "), r.Config.Depth)
	fmt.Fprintf(b, "- embedder %s (%d dims), chat model %s; sample %d, seed %d\n", r.Config.Embedder, r.Config.EmbeddingDims, r.Config.ChatModel, r.Config.Sample, r.Config.Seed)
	fmt.Fprintf(b, "- ingest %.1f s, questions %.1f s; %s\n\n", r.IngestSeconds, r.AskSeconds, r.CreatedAt.Format("2006-01-02 15:04 UTC"))
	groups := append([]string{"overall"}, slices.Sorted(maps.Keys(r.Languages))...)
	metricsOf := func(g string) Metrics {
		if g == "overall" {
			return r.Overall
		}
		return r.Languages[g]
	}
	b.WriteString("## Retrieval\n\n| group | mode | questions | nDCG@10 | R@1 | R@5 | R@10 | R@100 | MRR@10 | p50 ms | p95 ms | p99 ms |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, g := range groups {
		for _, mode := range r.Config.Modes {
			rr := metricsOf(g).Retrieval[mode]
			fmt.Fprintf(b, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f | %.1f |\n", g, mode, rr.Questions, rr.Mean.NDCG10,
				rr.Mean.Recall1, rr.Mean.Recall5, rr.Mean.Recall10, rr.Mean.Recall100, rr.Mean.MRR10, rr.LatencyMS.P50, rr.LatencyMS.P95, rr.LatencyMS.P99)
		}
	}
	fmt.Fprintf(b, "\n## Answers\n\n| group | questions | hit@%d | EM | F1 | contains | citation precision | abstention accuracy | false abstention | FAQ match | modes |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n", r.Config.K)
	for _, g := range groups {
		m := metricsOf(g)
		a := m.Answer
		var modes []string
		for _, k := range slices.Sorted(maps.Keys(a.Modes)) {
			modes = append(modes, fmt.Sprintf("%s %d", k, a.Modes[k]))
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g, m.Questions, pct(a.HitAtK), pct(a.ExactMatch), pct(a.F1),
			pct(a.Contains), pct(a.CitationPrecision), pct(a.AbstentionAccuracy), pct(a.FalseAbstention), pct(a.FAQMatchAccuracy), strings.Join(modes, ", "))
	}
	b.WriteString("\n## Latency of the answer pass (ms)\n\n| group | retrieval p50 | p95 | p99 | answer p50 | p95 | p99 |\n|---|--:|--:|--:|--:|--:|--:|\n")
	for _, g := range groups {
		l := metricsOf(g).Latency
		fmt.Fprintf(b, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", g, l.Retrieval.P50, l.Retrieval.P95, l.Retrieval.P99, l.Total.P50, l.Total.P95, l.Total.P99)
	}
	if len(r.FailedDocuments) > 0 {
		b.WriteString("\n## Failed documents\n\n")
		for _, f := range r.FailedDocuments {
			fmt.Fprintf(b, "- `%s`: %s\n", f.ID, f.Error)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Compare prints two reports' figures side by side with their differences; figures only one
// report has show a dash for the other.
func Compare(w io.Writer, a, b *Report, nameA, nameB string) error {
	av, bv := map[string]float64{}, map[string]float64{}
	var names []string
	for _, v := range a.Flatten() {
		av[v.Name] = v.Value
		names = append(names, v.Name)
	}
	for _, v := range b.Flatten() {
		bv[v.Name] = v.Value
		if _, ok := av[v.Name]; !ok {
			names = append(names, v.Name)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\t%s\t%s\tdelta\t\n", nameA, nameB)
	for _, n := range names {
		x, okA := av[n]
		y, okB := bv[n]
		cell := func(v float64, ok bool) string {
			if !ok {
				return "–"
			}
			if IsLatency(n) {
				return fmt.Sprintf("%.1f", v)
			}
			return fmt.Sprintf("%.3f", v)
		}
		delta := "–"
		if okA && okB {
			d := y - x
			switch {
			case IsLatency(n):
				delta = fmt.Sprintf("%+.1f", d)
			case d > 0.0005 || d < -0.0005:
				delta = fmt.Sprintf("%+.3f", d)
			default:
				delta = "0"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", n, cell(x, okA), cell(y, okB), delta)
	}
	return tw.Flush()
}
