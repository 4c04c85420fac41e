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

	cdpruntime "github.com/chromedp/cdproto/runtime"
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
	// A fresh profile, removed after the browser has exited (Chromium's helpers may still be
	// writing to it for a moment, so t.TempDir's strict cleanup would fail the test).
	profile, err := os.MkdirTemp("", "lorebase-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
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
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Run runs actions with a deadline, failing the test with what was being done (and a
// screenshot of the page at that moment).
func Run(t *testing.T, ctx context.Context, what string, timeout time.Duration, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		t.Fatalf("%s: %v%s", what, err, failureShot(ctx, what))
	}
}

// AwaitPromise makes chromedp.Evaluate wait for the promise the script returns.
func AwaitPromise(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
	return p.WithAwaitPromise(true)
}

// failureShot saves what the page showed when a step failed, for the failure message.
func failureShot(ctx context.Context, what string) string {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var png []byte
	if err := chromedp.Run(sctx, chromedp.CaptureScreenshot(&png)); err != nil {
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
	// Finite animations (a toast fading in) are let finish first: colour contrast measured
	// mid-fade is a property of the test's timing on a loaded machine, not of the page.
	script := src + `;(async () => {
  const finite = document.getAnimations().filter(a => a.effect && a.effect.getTiming().iterations !== Infinity);
  await Promise.race([Promise.all(finite.map(a => a.finished.catch(() => {}))), new Promise(r => setTimeout(r, 5000))]);
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical'));
})()`
	var out string
	Run(t, ctx, "axe-core", 60*time.Second, chromedp.Evaluate(script, &out, AwaitPromise))
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
	var png []byte
	Run(t, ctx, "screenshot "+name, 30*time.Second, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
