package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
	"github.com/lorebase/lorebase/internal/browsertest"
)

// The console and the widget, driven in Debian's headless Chromium: what a knowledge manager
// and a visitor do, end to end, against a real server, database and workers.

const browserWait = 60 * time.Second

// screenshotDir is where the browser tests leave their screenshots (LOREBASE_SCREENSHOTS, else
// a folder in the temporary directory); the README shows two of them.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("LOREBASE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "lorebase-screenshots")
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// css queries the page, or the document of the frame node when one is given.
func in(frame *chromedp.Node) []chromedp.QueryOption {
	if frame == nil {
		return nil
	}
	return []chromedp.QueryOption{chromedp.FromNode(frame)}
}

// checkAxe fails the test on serious or critical accessibility violations of the tab's page.
func checkAxe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
		t.Errorf("axe-core: %d serious or critical violations on %s:%s", len(vs), page, browsertest.Describe(vs))
	}
}

// signIn opens the console and signs in with the tenant's key pair.
func signIn(t *testing.T, ctx context.Context, base string, tn tenant) {
	t.Helper()
	browsertest.Do(t, ctx, "sign in", browserWait,
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="client_id"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="client_id"]`), tn.ClientID),
		chromedp.SendKeys(chromedp.CSS(`input[name="client_secret"]`), tn.Secret),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
	)
}

func TestConsoleInBrowser(t *testing.T) {
	e := setup(t)
	e.startWorker()
	shots := screenshotDir(t)
	ctx := browsertest.New(t, 1280, 900)

	// Signed out, the console shows the sign-in form, with no violations.
	browsertest.Do(t, ctx, "open console", browserWait, chromedp.Navigate(e.srv.URL+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="client_secret"]`)))
	checkAxe(t, ctx, "sign-in")
	browsertest.Screenshot(t, ctx, shots, "console-sign-in")

	signIn(t, ctx, e.srv.URL, e.org)
	// The secret stays nowhere the page can read: not in storage, not in a readable cookie.
	kept := browsertest.Get(t, ctx, "storage", 10*time.Second, chromedp.Evaluate[string](
		`JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie + document.documentElement.outerHTML`))
	if strings.Contains(kept, e.org.Secret) {
		t.Fatal("the API secret is readable by the console page after sign-in")
	}
	if strings.Contains(kept, "lorebase_console") {
		t.Fatal("the console session cookie is readable by script (want HttpOnly)")
	}

	// An assistant, created through the form.
	browsertest.Do(t, ctx, "create assistant", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/assistants"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="New assistant"]`)),
		chromedp.SendKeys(chromedp.CSS(`form.card input`), "Store helper"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Save"]`)),
		chromedp.WaitVisible(chromedp.Search(`//article//h2[contains(., "Store helper")]`)),
	)
	checkAxe(t, ctx, "assistants")

	// A PDF dropped on the knowledge page reaches ready while the page watches.
	pdfPath := filepath.Join(t.TempDir(), "store-policy.pdf")
	if err := os.WriteFile(pdfPath, policyPDF(), 0o644); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, "upload a PDF", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/knowledge"),
		chromedp.WaitReady(chromedp.CSS(`#file-input`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file-input`), []string{pdfPath}),
		chromedp.WaitVisible(chromedp.Search(`//tr[@data-status="ready"]/td[contains(., "store-policy")]`)),
	)
	progress := browsertest.Get(t, ctx, "upload progress", 10*time.Second, chromedp.Evaluate[string](`document.querySelector(".uploads progress").value + ""`))
	if progress != "100" {
		t.Errorf("upload progress bar at %s, want 100", progress)
	}
	pages := browsertest.Get(t, ctx, "ready row", 10*time.Second, chromedp.Text(chromedp.CSS(`tr[data-status="ready"]`)))
	if !strings.Contains(pages, "3 pages") {
		t.Errorf("the ready PDF row says %q, want its 3 pages", pages)
	}
	checkAxe(t, ctx, "knowledge")
	browsertest.Screenshot(t, ctx, shots, "console-knowledge")

	// A question nobody answered becomes a gap; "Answer this" turns it into a Q&A pair, and an
	// answer holding markup is shown as text.
	var assistants struct{ Items []lorebase.Assistant }
	e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)).data(&assistants)
	if len(assistants.Items) != 1 {
		t.Fatalf("want the assistant made in the browser, got %d", len(assistants.Items))
	}
	s := e.call("POST", "/api/v1/sessions/", map[string]any{"assistant_id": assistants.Items[0].ID}, withKey(e.org))
	expect(t, s, http.StatusCreated)
	var sess struct{ ID string }
	s.data(&sess)
	expect(t, e.call("POST", "/api/v1/sessions/"+sess.ID+"/messages", map[string]any{"content": "Do you sell gift vouchers for birthdays?"}, withKey(e.org)), http.StatusOK)
	const answer = `Yes: <script>window.pwned=1</script><b>gift vouchers</b> from 10 euros.`
	browsertest.Do(t, ctx, "answer a gap", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/gaps"),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(., "gift vouchers for birthdays")]//button`)),
	)
	checkAxe(t, ctx, "knowledge gaps")
	browsertest.Do(t, ctx, "answer a gap", browserWait,
		chromedp.Click(chromedp.Search(`//li[contains(., "gift vouchers for birthdays")]//button`)),
		chromedp.SendKeys(chromedp.CSS(`form.answer textarea`), answer),
		chromedp.Click(chromedp.CSS(`form.answer button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.ok`)),
	)
	var qa struct{ Items []lorebase.KnowledgeItem }
	e.call("GET", "/api/v1/knowledge/qa/", nil, withKey(e.org)).data(&qa)
	if len(qa.Items) != 1 || qa.Items[0].Answer != answer || !strings.Contains(qa.Items[0].Question, "gift vouchers") {
		t.Fatalf("the gap's Q&A pair: %+v", qa.Items)
	}
	browsertest.Do(t, ctx, "see the pair", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/knowledge"),
		chromedp.WaitVisible(chromedp.Search(`//ul[@class="qa-list"]//p[@class="a"]`)),
	)
	shown := browsertest.Get(t, ctx, "pair text", 10*time.Second, chromedp.Text(chromedp.CSS(`.qa-list p.a`)))
	if shown != answer {
		t.Errorf("the Q&A answer shows as %q, want the literal text %q", shown, answer)
	}
	if n := browsertest.Get(t, ctx, "markup", 10*time.Second, chromedp.Evaluate[int](`document.querySelectorAll("main b, main script").length + (window.pwned ? 100 : 0)`)); n != 0 {
		t.Errorf("knowledge text became markup (%d elements)", n)
	}

	// Feedback and "try it" pages render without violations.
	browsertest.Do(t, ctx, "feedback", browserWait, chromedp.Navigate(e.srv.URL+"/console/#/feedback"),
		chromedp.WaitVisible(chromedp.CSS(`main .feedback`)))
	checkAxe(t, ctx, "feedback")
	browsertest.Do(t, ctx, "try it", browserWait, chromedp.Navigate(e.srv.URL+"/console/#/try"),
		chromedp.WaitVisible(chromedp.CSS(`main form input`)),
		chromedp.SendKeys(chromedp.CSS(`main form input`), "How much does express delivery cost?\n"),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,"try-log")]//p[contains(@class,"assistant")]//ol`)),
	)
	reply := browsertest.Get(t, ctx, "try reply", 10*time.Second, chromedp.Text(chromedp.CSS(`.try-log .assistant`)))
	if !strings.Contains(reply, "9 euros") || !strings.Contains(reply, "score") {
		t.Errorf("try-it reply without the answer or its scored sources: %q", reply)
	}
	checkAxe(t, ctx, "try it")
	browsertest.Screenshot(t, ctx, shots, "console-try-it")

	// A widget configuration, its live preview and the snippet to copy.
	browsertest.Do(t, ctx, "widget", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/widgets"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="New widget"]`)),
		chromedp.WaitVisible(chromedp.CSS(`iframe.preview`)),
		chromedp.SetValue(chromedp.CSS(`form.widget-editor input`), ""),
	)
	_ = fmt.Sprint()
	t.Skip("widget configurations arrive with issue 10")
}

// hostPage is a web site on another loopback origin that embeds the widget's snippet.
type hostPage struct {
	mu      sync.Mutex
	snippet string
}

func (h *hostPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop</title></head><body><main><h1>Our shop</h1><p>Welcome to the shop.</p></main>%s</body></html>`, h.snippet)
}

var _ = httptest.NewServer
var _ = browser.PermissionTypeClipboardReadWrite
var _ = pdftest.Build
