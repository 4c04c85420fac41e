// Package browsertest drives Debian's Chromium from Go tests through the DevTools protocol
// (chromedp): a fresh headless browser per test with no network of its own, axe-core
// accessibility checks injected from the npm package that scripts/setup.sh installs, and
// screenshots. Nothing is downloaded at run time.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium package binary; LOREBASE_CHROMIUM overrides it.
const ChromiumPath = "/usr/bin/chromium"

func chromium() string {
	if p := os.Getenv("LOREBASE_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat(ChromiumPath); err == nil {
		return ChromiumPath
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// New starts a headless Chromium with a fresh profile and returns a tab's context, closed
// when the test ends. Without a browser the test is skipped, except under CI (CI=true), where
// scripts/setup.sh must have installed it.
func New(t *testing.T, width, height int) context.Context {
	t.Helper()
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (scripts/setup.sh installs Debian's chromium package)")
		}
		t.Skip("chromium is not installed; scripts/setup.sh installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs steps with a deadline, failing the test with what was being done.
func Do(t *testing.T, ctx context.Context, what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v%s", what, err, failureShot(ctx, what))
	}
}

// Get runs one action with a deadline and returns its value, failing the test on error.
func Get[T any](t *testing.T, ctx context.Context, what string, timeout time.Duration, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("%s: %v%s", what, err, failureShot(ctx, what))
	}
	return v
}

// failureShot saves what the page showed when a step failed, for the failure message.
func failureShot(ctx context.Context, what string) string {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		return ""
	}
	name := strings.NewReplacer(" ", "-", "/", "-").Replace(what)
	p := filepath.Join(os.TempDir(), "lorebase-failure-"+name+".png")
	if os.WriteFile(p, png, 0o644) != nil {
		return ""
	}
	return " (screenshot " + p + ")"
}

// Violation is one axe-core rule that failed.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeSource finds axe.min.js from the npm package installed beside this file.
func axeSource() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "testdata", "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("axe-core is not installed (scripts/setup.sh runs npm ci in internal/browsertest/testdata): %w", err)
	}
	return string(b), nil
}

// Axe runs axe-core (WCAG 2 A/AA rules and best practices) on the tab's page and returns the
// serious and critical violations. Injection goes through the DevTools protocol, so the page's
// Content-Security-Policy does not have to allow it.
func Axe(t *testing.T, ctx context.Context) []Violation {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	script := src + `;(async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical'));
})()`
	out := Get(t, ctx, "axe-core", 60*time.Second, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v: %.200s", err, out)
	}
	return vs
}

// Describe renders violations for a failure message.
func Describe(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 3 {
				break
			}
			fmt.Fprintf(&b, "\n    %v %.160s", n.Target, n.HTML)
		}
	}
	return b.String()
}

// Screenshot writes a PNG of the viewport to dir/name.png when dir is set.
func Screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := Get(t, ctx, "screenshot "+name, 30*time.Second, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
