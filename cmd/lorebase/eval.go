package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/eval"
	"github.com/lorebase/lorebase/retrieval"
)

// evalOptions configure an evaluation run.
type evalOptions struct {
	format      string
	split       string
	language    string
	mode        string
	modes       string
	k           int
	depth       int
	sample      int
	seed        uint64
	concurrency int
	workers     int
	out         string
	name        string
	keep        bool
	feedback    int
	noProgress  bool
	extra       string
	models      modelOptions
	ingest      ingestOptions
}

func (o *evalOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "beir, squad, native or faq; empty: detected from the path")
	f.StringVar(&o.extra, "questions", "", "a native questions.jsonl asked after the set's own (say, unrelated questions no curated pair should answer)")
	f.StringVar(&o.split, "split", "test", "BEIR qrels split (qrels/<split>.tsv)")
	f.StringVar(&o.language, "language", "", "language of a SQuAD file and of the assistant; empty: from the file name or detected")
	f.StringVar(&o.mode, "mode", retrieval.ModeHybrid, "retrieval mode of the answer pass: lexical, vector or hybrid")
	f.StringVar(&o.modes, "modes", "lexical,vector,hybrid", "retrieval modes measured by the ranking metrics, comma-separated")
	f.IntVar(&o.k, "k", 0, "passages the answer engine retrieves (0: the engine's default, 8)")
	f.IntVar(&o.depth, "depth", eval.DepthDefault, "results of the retrieval pass (recall@100 needs 100)")
	f.IntVar(&o.sample, "sample", 0, "ask this many questions drawn at random (0: all)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the sample")
	f.IntVar(&o.concurrency, "concurrency", eval.ConcurrencyDefault, "questions asked at once")
	f.IntVar(&o.workers, "workers", eval.WorkersDefault, "ingestion jobs at once")
	f.StringVar(&o.out, "out", "eval-reports", "folder of the reports")
	f.StringVar(&o.name, "name", "", "base name of the reports (default eval-<data set>-<mode>)")
	f.BoolVar(&o.keep, "keep", false, "keep the run's organization instead of deleting it (to inspect it)")
	f.BoolVar(&o.noProgress, "no-progress", false, "no progress bar")
	registerFeedback(cmd, &o.feedback)
	o.models.register(cmd)
	o.ingest.register(cmd)
}

func newEvalCommand(opts *globalOptions) *cobra.Command {
	eo := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval PATH",
		Short: "Measure retrieval and answer quality against a question set",
		Long: `Ingest a data set into a fresh organization (the embedded database, or DATABASE_URL), ask every
question through the answer engine the API uses, and report retrieval metrics (nDCG@10,
recall@1/5/10/100, MRR@10, hit@k per mode), answer metrics (exact match and token F1 with SQuAD
normalisation, citation precision, abstention and FAQ-match accuracy, and the FAQ decision's
P@1, precision, recall and false-match rate) and latency, overall and per language. The organization is deleted afterwards, also on Ctrl-C.

PATH is a BEIR folder (corpus.jsonl, queries.jsonl, qrels/), a SQuAD v1.1 JSON file (such as
XQuAD's xquad.de.json), a native question set (questions.jsonl, knowledge/, faq.jsonl; see
testdata/eval) or an FAQ set (faq.jsonl of pairs, queries.jsonl of paraphrases with their
faq_ids, as ../shared/data/faq-dev). --questions adds questions, such as unrelated ones. Writes <name>.json, <name>.md and <name>.questions.jsonl in --out.`,
		Example: `  lorebase eval ../shared/data/xquad/xquad.en.json
  lorebase eval testdata/eval/kb --mode lexical --sample 30
  lorebase eval ../shared/data/faq-dev --questions testdata/eval/faq-unrelated.jsonl
  lorebase eval compare before.json after.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runEval(cmd, opts, eo, args[0]) },
	}
	eo.register(cmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "compare A.json B.json",
		Short: "Print two evaluation reports side by side with their differences",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := eval.ReadReport(args[0])
			if err != nil {
				return err
			}
			b, err := eval.ReadReport(args[1])
			if err != nil {
				return err
			}
			return eval.Compare(cmd.OutOrStdout(), a, b, filepath.Base(args[0]), filepath.Base(args[1]))
		},
	})
	return cmd
}

func runEval(cmd *cobra.Command, opts *globalOptions, eo *evalOptions, path string) error {
	ctx := cmd.Context()
	if f := cmd.Flag("log-level"); f != nil && !f.Changed && os.Getenv("LOREBASE_LOG_LEVEL") == "" {
		opts.logLevel = "warn" // worker start and stop messages would break the progress bar
	}
	logger, err := opts.logger(os.Stderr)
	if err != nil {
		return err
	}
	ds, err := eval.Open(path, eval.OpenConfig{Format: eo.format, Split: eo.split, Language: eo.language, Extra: eo.extra})
	if err != nil {
		return err
	}
	var modes []string
	for _, m := range strings.Split(eo.modes, ",") {
		if m = strings.TrimSpace(m); m != "" {
			modes = append(modes, m)
		}
	}
	embedder, err := eo.models.newEmbedder(cmd)
	if err != nil {
		return err
	}
	chat, err := eo.models.newChatModel()
	if err != nil {
		return err
	}
	acfg, err := eo.models.answerConfig(logger, chat)
	if err != nil {
		return err
	}
	chunker, err := eo.ingest.chunker()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(eo.out, 0o755); err != nil {
		return err
	}
	db, err := opts.openDatabase(ctx, logger, true)
	if err != nil {
		return err
	}
	defer db.Close()
	deps := eval.Deps{Pool: db.Pool, Embedder: embedder, Chat: chat, Chunker: chunker, Extract: eo.ingest.extractConfig(), Logger: logger}
	// The same lexical index as lorebase serve, so eval measures what the API answers with
	// ($LOREBASE_LEXICAL_INDEX=false: BM25 in SQL).
	if envOr("LOREBASE_LEXICAL_INDEX", "true") != "false" {
		index, stop, err := startLexicalIndex(ctx, db, logger)
		if err != nil {
			return err
		}
		defer stop()
		deps.Index = index
	}
	if !eo.noProgress {
		deps.Progress = &progressBar{w: os.Stderr}
	}
	runner, err := eval.New(deps, eval.Config{Mode: eo.mode, Modes: modes, K: eo.k, Depth: eo.depth, Sample: eo.sample, Seed: eo.seed,
		Concurrency: eo.concurrency, Workers: eo.workers, Language: eo.language, Keep: eo.keep, Feedback: eo.feedback,
		Answer: acfg})
	if err != nil {
		return err
	}
	report, results, err := runner.Run(ctx, ds)
	if err != nil {
		return err
	}
	name := eo.name
	if name == "" {
		name = "eval-" + report.Dataset + "-" + eo.mode
	}
	base := filepath.Join(eo.out, name)
	for _, w := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{base + ".json", report.WriteJSON},
		{base + ".md", report.WriteMarkdown},
		{base + ".questions.jsonl", func(w io.Writer) error { return eval.WriteResults(w, results) }},
	} {
		if err := eval.WriteFileAtomic(w.path, w.write); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	if err := report.WriteSummary(cmd.OutOrStdout()); err != nil {
		return err
	}
	logger.Info("eval reports written", slog.String("json", base+".json"))
	fmt.Fprintf(cmd.OutOrStdout(), "\nreports: %s.json, %s.md, %s.questions.jsonl\n", base, base, base)
	return nil
}

// progressBar shows eval's stages on the terminal.
type progressBar struct {
	w    io.Writer
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	max  int
	done int
}

func (p *progressBar) Start(stage string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		if total > 0 && p.max <= 0 { // the count became known: keep the line, set the total
			p.bar.ChangeMax(total)
			p.max = total
			return
		}
		_ = p.bar.Finish()
	}
	p.max = total
	n := total
	if n <= 0 {
		n = -1 // a spinner until the count is known
	}
	p.done = 0
	p.bar = progressbar.NewOptions(n,
		progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(stage), progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
}

func (p *progressBar) Set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && done > p.done { // concurrent askers may report out of order
		p.done = done
		_ = p.bar.Set(done)
	}
}

func (p *progressBar) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
