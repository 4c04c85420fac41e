// Command testreport turns `go test -json` on stdin back into go test's usual (non-verbose)
// output: package result lines, and the output of failing tests only. Then it prints the
// slowest tests and packages and, last, the package result lines again, so the end of the log
// still reads like go test's own ("ok  pkg 1.2s", "FAIL pkg", and "FAIL" when anything failed).
// It exits non-zero when a test, a package or the build failed, or when the stream was empty.
//
//	go test -json ./... | go run ./scripts/testreport -top 20
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (test2json's TestEvent).
type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Elapsed float64 // seconds
	Output  string
}

type result struct {
	pkg, test, action string
	elapsed           float64
}

func main() {
	top := flag.Int("top", 20, "how many of the slowest tests to list")
	verbose := flag.Bool("v", false, "print the output of every test, as go test -v does")
	flag.Parse()
	failed, err := report(os.Stdin, os.Stdout, *top, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer, top int, verbose bool) (failed bool, err error) {
	var tests, packages []result
	pkgLine := map[string]string{}            // the package's own result line, as go test printed it
	buffered := map[string]*strings.Builder{} // a running test's output, printed if it fails
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	events := 0
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			// Not an event (a build error printed as text): pass it through.
			fmt.Fprintf(out, "%s\n", line)
			if len(line) > 0 {
				failed = failed || strings.HasPrefix(string(line), "FAIL")
			}
			continue
		}
		events++
		switch e.Action {
		case "output", "build-output":
			switch {
			case verbose || e.Action == "build-output":
				fmt.Fprint(out, e.Output)
			case e.Test != "":
				if !strings.HasPrefix(e.Output, "=== ") { // RUN, PAUSE, CONT, NAME
					b := buffered[e.Package+" "+e.Test]
					if b == nil {
						b = &strings.Builder{}
						buffered[e.Package+" "+e.Test] = b
					}
					b.WriteString(e.Output)
				}
			case e.Output != "PASS\n":
				fmt.Fprint(out, e.Output)
			}
			if e.Test == "" && e.Package != "" && isResultLine(e.Output) {
				pkgLine[e.Package] = strings.TrimRight(e.Output, "\n")
			}
		case "pass", "fail", "skip":
			if e.Action == "fail" {
				failed = true
				if b := buffered[e.Package+" "+e.Test]; b != nil && !verbose {
					fmt.Fprint(out, b.String())
				}
			}
			delete(buffered, e.Package+" "+e.Test)
			if e.Test == "" {
				packages = append(packages, result{pkg: e.Package, action: e.Action, elapsed: e.Elapsed})
			} else if e.Action != "skip" {
				tests = append(tests, result{pkg: e.Package, test: e.Test, action: e.Action, elapsed: e.Elapsed})
			}
		case "build-fail":
			failed = true
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	if events == 0 {
		return true, fmt.Errorf("no test events on stdin")
	}

	// Subtests are listed too; a parent's time includes its subtests'.
	sort.SliceStable(tests, func(i, j int) bool { return tests[i].elapsed > tests[j].elapsed })
	if n := min(top, len(tests)); n > 0 {
		fmt.Fprintf(out, "\n=== slowest %d of %d tests\n", n, len(tests))
		for _, t := range tests[:n] {
			mark := ""
			if t.action == "fail" {
				mark = "  FAIL"
			}
			fmt.Fprintf(out, "%8.2fs  %s %s%s\n", t.elapsed, strings.TrimPrefix(t.pkg, modulePrefix(t.pkg)), t.test, mark)
		}
	}
	sort.SliceStable(packages, func(i, j int) bool { return packages[i].elapsed > packages[j].elapsed })
	if n := min(top, len(packages)); n > 0 {
		fmt.Fprintf(out, "\n=== slowest %d of %d packages\n", n, len(packages))
		for _, p := range packages[:n] {
			fmt.Fprintf(out, "%8.2fs  %s\n", p.elapsed, p.pkg)
		}
	}

	// go test's closing lines, in package order, so a reader of the tail sees them last.
	fmt.Fprintln(out)
	sort.SliceStable(packages, func(i, j int) bool { return packages[i].pkg < packages[j].pkg })
	for _, p := range packages {
		if l, ok := pkgLine[p.pkg]; ok {
			fmt.Fprintln(out, l)
		}
	}
	if failed {
		fmt.Fprintln(out, "FAIL")
	}
	return failed, nil
}

// isResultLine reports go test's per-package summary: "ok  \tpkg\t1.2s", "FAIL\tpkg ...",
// "?   \tpkg\t[no test files]".
func isResultLine(s string) bool {
	return strings.HasPrefix(s, "ok  \t") || strings.HasPrefix(s, "FAIL\t") || strings.HasPrefix(s, "?   \t")
}

// modulePrefix shortens package paths in the table to their path inside the module.
func modulePrefix(pkg string) string {
	const mod = "github.com/lorebase/lorebase/"
	if strings.HasPrefix(pkg, mod) {
		return mod
	}
	return ""
}
