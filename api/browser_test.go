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
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/internal/browsertest"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
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

// q selects by CSS in the page, or in the document of the (same-site) iframe node when given.
func q(frame *cdp.Node) []chromedp.QueryOption {
	if frame == nil {
		return []chromedp.QueryOption{chromedp.ByQuery}
	}
	return []chromedp.QueryOption{chromedp.ByQuery, chromedp.FromNode(frame)}
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	browsertest.Run(t, ctx, what, browserWait, actions...)
}

func textOf(t *testing.T, ctx context.Context, sel string, frame *cdp.Node) string {
	t.Helper()
	var s string
	do(t, ctx, "text of "+sel, chromedp.Text(sel, &s, q(frame)...))
	return s
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string, await bool) T {
	t.Helper()
	var v T
	var opts []chromedp.EvaluateOption
	if await {
		opts = append(opts, browsertest.AwaitPromise)
	}
	do(t, ctx, "evaluate "+expr, chromedp.Evaluate(expr, &v, opts...))
	return v
}

func nodeOf(t *testing.T, ctx context.Context, sel string) *cdp.Node {
	t.Helper()
	var ns []*cdp.Node
	do(t, ctx, "find "+sel, chromedp.Nodes(sel, &ns, chromedp.ByQuery, chromedp.NodeReady))
	return ns[0]
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
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(`input[name="client_id"]`, q(nil)...),
		chromedp.SendKeys(`input[name="client_id"]`, tn.ClientID, q(nil)...),
		chromedp.SendKeys(`input[name="client_secret"]`, tn.Secret, q(nil)...),
		chromedp.Click(`form button[type="submit"]`, q(nil)...),
		chromedp.WaitVisible(`#nav`, q(nil)...),
	)
}

func TestConsoleInBrowser(t *testing.T) {
	e := setup(t)
	e.startWorker()
	shots := screenshotDir(t)
	ctx := browsertest.New(t, 1280, 900)

	// Signed out, the console shows the sign-in form, with no violations.
	do(t, ctx, "open console", chromedp.Navigate(e.srv.URL+"/console/"),
		chromedp.WaitVisible(`input[name="client_secret"]`, q(nil)...))
	checkAxe(t, ctx, "sign-in")
	browsertest.Screenshot(t, ctx, shots, "console-sign-in")

	signIn(t, ctx, e.srv.URL, e.org)
	// The secret stays nowhere the page can read: not in storage, not in a readable cookie.
	kept := evalJS[string](t, ctx, `JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie + document.documentElement.outerHTML`, false)
	if strings.Contains(kept, e.org.Secret) {
		t.Fatal("the API secret is readable by the console page after sign-in")
	}
	if strings.Contains(kept, "lorebase_console") {
		t.Fatal("the console session cookie is readable by script (want HttpOnly)")
	}

	// An assistant, created through the form.
	do(t, ctx, "create assistant",
		chromedp.Navigate(e.srv.URL+"/console/#/assistants"),
		chromedp.Click(`//button[normalize-space()="New assistant"]`, chromedp.BySearch),
		chromedp.SendKeys(`form.card input`, "Store helper", q(nil)...),
		chromedp.Click(`//button[normalize-space()="Save"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//article//h2[contains(., "Store helper")]`, chromedp.BySearch),
	)
	checkAxe(t, ctx, "assistants")

	// A PDF dropped on the knowledge page reaches ready while the page watches.
	pdfPath := filepath.Join(t.TempDir(), "store-policy.pdf")
	if err := os.WriteFile(pdfPath, policyPDF(), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload a PDF",
		chromedp.Navigate(e.srv.URL+"/console/#/knowledge"),
		chromedp.WaitReady(`#file-input`, q(nil)...),
		chromedp.SetUploadFiles(`#file-input`, []string{pdfPath}, chromedp.ByQuery),
		chromedp.WaitVisible(`//tr[@data-status="ready"]/td[contains(., "store-policy")]`, chromedp.BySearch),
	)
	// A file dropped on the drop zone (a real drop event carrying the file) is uploaded too.
	do(t, ctx, "drop a file",
		chromedp.Evaluate(`(() => {
  const dt = new DataTransfer();
  dt.items.add(new File(["# Opening hours\n\nThe shop opens at nine and closes at six, Monday to Saturday.\n"], "hours.md", {type: "text/markdown"}));
  document.querySelector(".drop").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
})()`, nil),
		chromedp.WaitVisible(`//tr[@data-status="ready"]/td[contains(., "hours")]`, chromedp.BySearch),
	)
	progress := evalJS[string](t, ctx, `[...document.querySelectorAll(".uploads progress")].map(p => p.value).join(",")`, false)
	if progress != "100,100" {
		t.Errorf("upload progress bars at %s, want both at 100", progress)
	}
	var pages string
	do(t, ctx, "PDF row", chromedp.Text(`//tr[@data-status="ready"][td[contains(., "store-policy")]]`, &pages, chromedp.BySearch))
	if !strings.Contains(pages, "3 pages") {
		t.Errorf("the ready PDF row says %q, want its 3 pages", pages)
	}
	// A crawled site's per-page view names the pages the crawl could not index, and why.
	broken := httptest.NewServer(&brokenSite{})
	t.Cleanup(broken.Close)
	cr := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{"url": broken.URL + "/", "title": "Kettle help", "max_pages": 10, "max_depth": 2}, withKey(e.org))
	expect(t, cr, http.StatusAccepted)
	var crawled lorebase.KnowledgeItem
	cr.data(&crawled)
	if it := e.waitItem(e.org, crawled.ID); it.Status != lorebase.StatusReady {
		t.Fatalf("kettle crawl: %s %v", it.Status, it.Error)
	}
	do(t, ctx, "crawled pages",
		chromedp.Reload(),
		chromedp.Click(`//tr[td[contains(., "Kettle help")]]//button[contains(., "Pages")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//tr[@data-page-status="failed"][contains(., "/warranty")]`, chromedp.BySearch),
	)
	var failedRow string
	do(t, ctx, "failed page row", chromedp.Text(`//tr[@data-page-status="failed"][contains(., "/warranty")]`, &failedRow, chromedp.BySearch))
	if !strings.Contains(failedRow, "HTTP 500 Internal Server Error") || strings.Contains(failedRow, "10.0.0.7") {
		t.Errorf("the failed page's row says %q, want its reason and no server detail", failedRow)
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
	do(t, ctx, "answer a gap",
		chromedp.Navigate(e.srv.URL+"/console/#/gaps"),
		chromedp.WaitVisible(`//li[contains(., "gift vouchers for birthdays")]//button`, chromedp.BySearch),
	)
	checkAxe(t, ctx, "knowledge gaps")
	do(t, ctx, "answer a gap",
		chromedp.Click(`//li[contains(., "gift vouchers for birthdays")]//button`, chromedp.BySearch),
		chromedp.SendKeys(`form.answer textarea`, answer, q(nil)...),
		chromedp.Click(`form.answer button[type="submit"]`, q(nil)...),
		chromedp.WaitVisible(`p.ok`, q(nil)...),
	)
	var qa struct{ Items []lorebase.KnowledgeItem }
	e.call("GET", "/api/v1/knowledge/qa/", nil, withKey(e.org)).data(&qa)
	if len(qa.Items) != 1 || qa.Items[0].Answer != answer || !strings.Contains(qa.Items[0].Question, "gift vouchers") {
		t.Fatalf("the gap's Q&A pair: %+v", qa.Items)
	}
	do(t, ctx, "see the pair",
		chromedp.Navigate(e.srv.URL+"/console/#/knowledge"),
		chromedp.WaitVisible(`//ul[@class="qa-list"]//p[@class="a"]`, chromedp.BySearch),
	)
	shown := textOf(t, ctx, `.qa-list p.a`, nil)
	if shown != answer {
		t.Errorf("the Q&A answer shows as %q, want the literal text %q", shown, answer)
	}
	if n := evalJS[int](t, ctx, `document.querySelectorAll("main b, main script").length + (window.pwned ? 100 : 0)`, false); n != 0 {
		t.Errorf("knowledge text became markup (%d elements)", n)
	}

	// Q&A pairs imported from a CSV file (quoted commas and newlines, a formula-looking cell).
	csvPath := filepath.Join(t.TempDir(), "faq.csv")
	csv := "question,answer,tags,source\r\n\"Can I pay by invoice?\",\"Yes, for orders over 200 euros.\nAsk us first.\",billing,faq\r\nDo you gift-wrap?,=1+1 <i>no</i>,,\r\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "import CSV",
		chromedp.SetUploadFiles(`#csv-input`, []string{csvPath}, chromedp.ByQuery),
		chromedp.WaitVisible(`//p[@id="toast" and contains(., "Imported 2 pairs")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//ul[@class="qa-list"]//p[@class="a" and contains(., "=1+1 <i>no</i>")]`, chromedp.BySearch),
	)
	e.call("GET", "/api/v1/knowledge/qa/?page_size=100", nil, withKey(e.org)).data(&qa)
	imported := map[string]string{}
	for _, it := range qa.Items {
		imported[it.Question] = it.Answer
	}
	if imported["Can I pay by invoice?"] != "Yes, for orders over 200 euros.\nAsk us first." || imported["Do you gift-wrap?"] != "=1+1 <i>no</i>" {
		t.Errorf("imported pairs: %q", imported)
	}

	// The pairs leave as CSV too: the export button downloads a file that reads back the same.
	downloads := t.TempDir()
	do(t, ctx, "export CSV",
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads),
		chromedp.Click(`//button[normalize-space()="Export CSV"]`, chromedp.BySearch),
	)
	var exported []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(downloads, "lorebase-qa.csv")); err == nil && len(b) > 0 {
			exported = b
			break
		}
	}
	for _, want := range []string{"question,answer,tags,source\r\n", "\"Yes, for orders over 200 euros.\nAsk us first.\"", "\"=1+1 <i>no</i>\""} {
		if !strings.Contains(string(exported), want) {
			t.Errorf("exported CSV lacks %q:\n%s", want, exported)
		}
	}

	// Feedback and "try it" pages render without violations.
	do(t, ctx, "feedback", chromedp.Navigate(e.srv.URL+"/console/#/feedback"),
		chromedp.WaitVisible(`main .feedback`, q(nil)...))
	checkAxe(t, ctx, "feedback")
	do(t, ctx, "try it", chromedp.Navigate(e.srv.URL+"/console/#/try"),
		chromedp.WaitVisible(`main form input`, q(nil)...),
		chromedp.SendKeys(`main form input`, "How much does express delivery cost?\n", q(nil)...),
		chromedp.WaitVisible(`//div[contains(@class,"try-log")]//p[contains(@class,"assistant")]//ol`, chromedp.BySearch),
	)
	reply := textOf(t, ctx, `.try-log .assistant`, nil)
	if !strings.Contains(reply, "9 euros") || !strings.Contains(reply, "score") {
		t.Errorf("try-it reply without the answer or its scored sources: %q", reply)
	}
	// Beside it, the passages hit testing found, with their scores (where the server has it).
	if probe := e.call("POST", "/api/v1/search", map[string]any{"question": "express delivery"}, withKey(e.org)); probe.HTTP.StatusCode != http.StatusNotFound {
		do(t, ctx, "passages", chromedp.WaitVisible(`.passages article.passage`, q(nil)...))
		if p := textOf(t, ctx, `.passages article.passage`, nil); !strings.Contains(p, "score") || !strings.Contains(p, "9 euros") {
			t.Errorf("first retrieved passage: %q", p)
		}
	}
	checkAxe(t, ctx, "try it")
	browsertest.Screenshot(t, ctx, shots, "console-try-it")

	// A widget configuration: its live preview follows the form, and its snippet is copied.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		grant := browser.SetPermission(&browser.PermissionDescriptor{Name: name}, browser.PermissionSettingGranted).WithOrigin(e.srv.URL)
		if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			return grant.Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		})); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	do(t, ctx, "new widget",
		chromedp.Navigate(e.srv.URL+"/console/#/widgets"),
		chromedp.Click(`//button[normalize-space()="New widget"]`, chromedp.BySearch),
		chromedp.WaitVisible(`iframe.preview`, q(nil)...),
		chromedp.Evaluate(`document.getElementById("wc-title").value = ""`, nil),
		chromedp.SendKeys(`#wc-title`, "Ask ACME", chromedp.ByQuery),
	)
	preview := nodeOf(t, ctx, `iframe.preview`)
	var same bool
	do(t, ctx, "preview follows the form", chromedp.WaitVisible(`.msg.assistant`, q(preview)...),
		chromedp.Poll(`document.querySelector("iframe.preview").contentDocument.getElementById("title").textContent === "Ask ACME"`, &same))
	checkAxe(t, ctx, "widgets")
	browsertest.Screenshot(t, ctx, shots, "console-widgets")
	do(t, ctx, "save widget",
		chromedp.Click(`//button[normalize-space()="Save widget"]`, chromedp.BySearch),
		chromedp.WaitVisible(`form.widget-editor .snippet`, q(nil)...),
		chromedp.Click(`form.widget-editor button.copy`, q(nil)...),
		chromedp.WaitVisible(`//p[@id="toast" and contains(., "Snippet copied")]`, chromedp.BySearch),
	)
	snippet := textOf(t, ctx, `form.widget-editor .snippet`, nil)
	copied := evalJS[string](t, ctx, `navigator.clipboard.readText()`, true)
	var configs struct{ Items []lorebase.WidgetConfig }
	e.call("GET", "/api/v1/widget-configs/", nil, withKey(e.org)).data(&configs)
	if len(configs.Items) != 1 || configs.Items[0].Title["en"] != "Ask ACME" {
		t.Fatalf("widget configurations after saving: %+v", configs.Items)
	}
	want := fmt.Sprintf(`<script src="%s/widget.js" data-client-id="%s" data-assistant-id="%s" data-config-id="%s" async></script>`,
		e.srv.URL, e.org.ClientID, assistants.Items[0].ID, configs.Items[0].ID)
	if snippet != want || copied != want {
		t.Errorf("embed snippet\n shown  %s\n copied %s\n want   %s", snippet, copied, want)
	}

	// Signing out ends the session on the server: the old cookie no longer works.
	do(t, ctx, "sign out",
		chromedp.Click(`#logout`, q(nil)...),
		chromedp.WaitVisible(`input[name="client_secret"]`, q(nil)...),
	)
	status := evalJS[int](t, ctx, `fetch("/api/v1/assistants/").then(r => r.status)`, true)
	if status != http.StatusUnauthorized {
		t.Errorf("an API call after sign-out answered %d, want 401", status)
	}
}

// embeddingSite is a web site on another loopback origin that embeds the widget's snippet.
type embeddingSite struct {
	mu      sync.Mutex
	snippet string
}

func (h *embeddingSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ACME shop</title></head><body><main><h1>ACME shop</h1><p>Kettles, teapots and everything for tea.</p></main>
%s
</body></html>`, h.snippet)
}

// docsSite is the shop's documentation, crawled so that answers cite a page with a link.
func docsSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt", "/sitemap.xml", "/favicon.ico":
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Shipping</title></head><body><main>
<h1>Shipping</h1><h2 id="canada">Shipping to Canada</h2>
<p>We ship to Canada with tracked parcels. Delivery to Canada takes 7 to 10 business days.</p>
<h2 id="costs">Costs</h2><p>Shipping to Canada costs 15 euros per order.</p></main></body></html>`)
		}
	})
}

// streamWatch records how the widget asked for replies.
type streamWatch struct {
	mu      sync.Mutex
	accepts []string
}

func (s *streamWatch) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") {
			s.mu.Lock()
			s.accepts = append(s.accepts, r.Header.Get("Accept"))
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func TestBuiltinWidgetInBrowser(t *testing.T) {
	// A model server that streams the answer word by word and holds the stream twice (before
	// its first token, and halfway), so the test sees the typing indicator and a partial reply.
	const answerText = "Delivery to Canada takes 7 to 10 business days [1]."
	firstToken, halfway := make(chan struct{}), make(chan struct{})
	var releaseFirst, releaseHalf sync.Once
	release := func() { releaseFirst.Do(func() { close(firstToken) }); releaseHalf.Do(func() { close(halfway) }) }
	var streams atomic.Int32
	fake := openaitest.NewServer(t, openaitest.Options{
		Reply: func(r openaitest.Request) string {
			if strings.Contains(r.LastUserMessage(), "express delivery") {
				return "Express delivery costs 9 euros [1]."
			}
			return answerText
		},
		BeforeChunk: func(i, n int) {
			if i == 0 && streams.Add(1) > 1 {
				return
			}
			if streams.Load() == 1 && i == 0 {
				<-firstToken
			}
			if streams.Load() == 1 && i == n/2 {
				<-halfway
			}
		},
	})
	t.Cleanup(release)
	chat, err := openai.NewChat(openai.Config{BaseURL: fake.URL, ChatModel: "fake-gpt"})
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, func(e *env) { e.chatModel = chat })
	e.startWorker()
	shots := screenshotDir(t)

	// The lorebase server again, with the widget's message requests recorded.
	watch := &streamWatch{}
	lb := httptest.NewServer(watch.wrap(e.api.Handler()))
	t.Cleanup(lb.Close)
	host := &embeddingSite{}
	site := httptest.NewServer(host)
	t.Cleanup(site.Close)
	tn := e.newTenant("Tea shop", site.URL)
	key := withKey(tn)

	docs := httptest.NewServer(docsSite())
	t.Cleanup(docs.Close)
	r := e.call("POST", "/api/v1/knowledge/urls/", map[string]any{"url": docs.URL + "/shipping", "title": "Shipping", "max_pages": 1, "max_depth": 0}, key)
	expect(t, r, http.StatusAccepted)
	var item lorebase.KnowledgeItem
	r.data(&item)
	if it := e.waitItem(tn, item.ID); it.Status != lorebase.StatusReady {
		t.Fatalf("docs crawl: %s %v", it.Status, it.Error)
	}
	// The crawl's per-page view the console shows, and only to its own organization.
	pr := e.call("GET", "/api/v1/knowledge/"+item.ID+"/pages", nil, key)
	expect(t, pr, http.StatusOK)
	var pages struct{ Items []lorebase.CrawledPage }
	pr.data(&pages)
	if len(pages.Items) != 1 || pages.Items[0].URL != docs.URL+"/shipping" || pages.Items[0].Chunks == 0 || pages.Items[0].Title == "" {
		t.Errorf("crawled pages: %+v", pages.Items)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/"+item.ID+"/pages", nil, withKey(e.org)), http.StatusNotFound)
	up := e.upload(tn, "Store policy", "pdf", "policy.pdf", policyPDF())
	expect(t, up, http.StatusAccepted)
	var pdf lorebase.KnowledgeItem
	up.data(&pdf)
	if it := e.waitItem(tn, pdf.ID); it.Status != lorebase.StatusReady {
		t.Fatalf("policy PDF: %s %v", it.Status, it.Error)
	}
	r = e.call("POST", "/api/v1/assistants/", map[string]any{"name": "Tea helper", "language": "en", "is_active": true}, key)
	expect(t, r, http.StatusCreated)
	var asst lorebase.Assistant
	r.data(&asst)
	r = e.call("POST", "/api/v1/widget-configs/", map[string]any{"assistant_id": asst.ID, "primary_color": "#7a1f5c",
		"title": map[string]string{"en": "Tea shop help", "pt": "Ajuda da loja"}, "greeting_message": map[string]any{"text": map[string]string{"en": "Hello! Ask me about shipping."}}}, key)
	expect(t, r, http.StatusCreated)
	var wc lorebase.WidgetConfig
	r.data(&wc)
	host.mu.Lock()
	host.snippet = fmt.Sprintf(`<script src="%s/widget.js" data-client-id="%s" data-assistant-id="%s" data-config-id="%s" async></script>`,
		lb.URL, tn.ClientID, asst.ID, wc.ID)
	host.mu.Unlock()

	ctx := browsertest.New(t, 1280, 900)
	frameOf := func() *cdp.Node {
		t.Helper()
		n := []*cdp.Node{nodeOf(t, ctx, `iframe[data-lorebase-widget]`)}
		return n[0]
	}
	do(t, ctx, "open the shop", chromedp.Navigate(site.URL+"/"))
	frame := frameOf()
	do(t, ctx, "open the widget",
		chromedp.WaitVisible(`#launcher`, q(frame)...),
		chromedp.Click(`#launcher`, q(frame)...),
		chromedp.WaitVisible(`#panel`, q(frame)...),
	)
	if got := textOf(t, ctx, `#title`, frame); got != "Tea shop help" {
		t.Errorf("widget title %q, want the configuration's", got)
	}
	// The reply streams: the typing indicator until the first token, then a growing reply.
	do(t, ctx, "ask",
		chromedp.SendKeys(`#input`, "How long does delivery to Canada take?", q(frame)...),
		chromedp.Click(`#send`, q(frame)...),
		chromedp.WaitVisible(`#typing`, q(frame)...),
	)
	releaseFirst.Do(func() { close(firstToken) })
	do(t, ctx, "first tokens", chromedp.WaitVisible(`.msg.assistant.streaming`, q(frame)...), chromedp.WaitNotVisible(`#typing`, q(frame)...))
	partial := textOf(t, ctx, `.msg.assistant.streaming .body`, frame)
	if partial == "" || partial == answerText || !strings.HasPrefix(answerText, partial) {
		t.Errorf("mid-stream the reply shows %q, want a growing prefix of %q", partial, answerText)
	}
	releaseHalf.Do(func() { close(halfway) })
	do(t, ctx, "whole reply", chromedp.WaitVisible(`.msg.assistant a.source`, q(frame)...))
	reply := textOf(t, ctx, `.msg.assistant:last-of-type .body`, frame)
	if !strings.Contains(reply, "7 to 10 business days") {
		t.Errorf("the reply does not carry the answer: %q", reply)
	}
	var link string
	do(t, ctx, "source link", chromedp.AttributeValue(`.msg.assistant a.source`, "href", &link, nil, q(frame)...))
	if !strings.HasPrefix(link, docs.URL+"/shipping") {
		t.Errorf("source link %q, want the crawled page", link)
	}
	watch.mu.Lock()
	accepts := append([]string(nil), watch.accepts...)
	watch.mu.Unlock()
	if len(accepts) != 1 || accepts[0] != "text/event-stream" {
		t.Errorf("the widget asked for replies with Accept %q, want one streamed (SSE) request", accepts)
	}

	// Thumbs down, and a rating of the whole conversation.
	do(t, ctx, "thumbs down and rate",
		chromedp.Click(`.msg.assistant button[data-feedback="negative"]`, q(frame)...),
		chromedp.WaitVisible(`.msg.assistant button[data-feedback="negative"][aria-pressed="true"]`, q(frame)...),
		chromedp.Click(`#stars button[data-rating="4"]`, q(frame)...),
		chromedp.WaitVisible(`#stars button[data-rating="4"][aria-pressed="true"]`, q(frame)...),
	)

	// A file's source names its page.
	do(t, ctx, "ask about the PDF",
		chromedp.SendKeys(`#input`, "How much does express delivery cost?", q(frame)...),
		chromedp.Click(`#send`, q(frame)...),
		chromedp.WaitVisible(`//div[contains(@class,"msg assistant")][.//div[@class="body" and contains(., "9 euros")]]//*[@class="source"]`, chromedp.BySearch, chromedp.FromNode(frame)),
	)
	var pdfSource string
	do(t, ctx, "PDF source", chromedp.Text(`//div[contains(@class,"msg assistant")][.//div[@class="body" and contains(., "9 euros")]]//*[@class="source"]`, &pdfSource, chromedp.BySearch, chromedp.FromNode(frame)))
	if pdfSource != "Store policy (page 2)" {
		t.Errorf("the PDF source reads %q, want its title and page", pdfSource)
	}
	var hrefs []string
	var links []*cdp.Node
	do(t, ctx, "source links", chromedp.Nodes(`a.source`, &links, chromedp.ByQueryAll, chromedp.FromNode(frame)))
	for _, l := range links {
		hrefs = append(hrefs, l.AttributeValue("href"))
	}
	if len(hrefs) != 1 || !strings.HasPrefix(hrefs[0], docs.URL) {
		t.Errorf("source links %q: want only the crawled page's (a file source without a URL is no link)", hrefs)
	}

	browsertest.Screenshot(t, ctx, shots, "widget-open")

	// Usage events reached the metrics.
	metrics := string(e.call("GET", "/metrics", nil).Body)
	for _, ev := range []string{"widget_opened", "message_sent"} {
		if !strings.Contains(metrics, `lorebase_widget_telemetry_events_total{event="`+ev+`"}`) {
			t.Errorf("no %s telemetry in the metrics", ev)
		}
	}

	// A reload keeps the conversation while the session lives.
	do(t, ctx, "reload", chromedp.Reload())
	frame = frameOf()
	do(t, ctx, "conversation after reload",
		chromedp.WaitVisible(`#panel`, q(frame)...),
		chromedp.WaitVisible(`.msg.assistant a.source`, q(frame)...),
		chromedp.WaitVisible(`#stars button[data-rating="4"][aria-pressed="true"]`, q(frame)...),
	)

	// The knowledge manager sees the thumbs down with its question in the console.
	ctx2 := browsertest.New(t, 1280, 900)
	signIn(t, ctx2, e.srv.URL, tn)
	do(t, ctx2, "feedback page",
		chromedp.Navigate(e.srv.URL+"/console/#/feedback"),
		chromedp.WaitVisible(`//article[contains(@class,"negative")]//p[contains(., "delivery to Canada")]`, chromedp.BySearch),
	)
	browsertest.Screenshot(t, ctx2, shots, "console-feedback")

	// The open widget on a phone-sized screen, and its accessibility on its own.
	phone := browsertest.New(t, 390, 844)
	do(t, phone, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(site.URL+"/"))
	pframe := []*cdp.Node{nodeOf(t, phone, `iframe[data-lorebase-widget]`)}[0]
	do(t, phone, "open on a phone",
		chromedp.Click(`#launcher`, q(pframe)...),
		chromedp.WaitVisible(`#panel`, q(pframe)...),
	)
	width := evalJS[int](t, phone, `document.querySelector("iframe[data-lorebase-widget]").getBoundingClientRect().width`, false)
	viewport := evalJS[int](t, phone, `window.innerWidth`, false)
	if width != viewport {
		t.Errorf("on a phone the open widget is %d px wide, want the whole %d px", width, viewport)
	}
	browsertest.Screenshot(t, phone, shots, "widget-phone")

	// Alone, as the page "pt" would frame it: the configuration's Portuguese title, the panel's
	// own texts in Portuguese, and the greeting in the default language it only has.
	panel := fmt.Sprintf("%s/widget/?client_id=%s&assistant_id=%s&config_id=%s&embed_origin=%s&lang=pt-BR", lb.URL, tn.ClientID, asst.ID, wc.ID, site.URL)
	do(t, phone, "widget alone",
		chromedp.Navigate(panel),
		chromedp.Click(`#launcher`, q(nil)...),
		chromedp.WaitVisible(`#panel .msg.assistant`, q(nil)...),
	)
	if got := textOf(t, phone, `#title`, nil) + " / " + textOf(t, phone, `#send`, nil); got != "Ajuda da loja / Enviar" {
		t.Errorf("a Portuguese page's widget says %q", got)
	}
	checkAxe(t, phone, "the open widget")
	// Keyboard: Tab and Shift+Tab cycle inside the open panel (a focus trap); Escape closes the
	// panel and gives focus back to the launcher.
	var tabs []chromedp.Action
	for i := 0; i < 12; i++ {
		tabs = append(tabs, chromedp.KeyEvent(kb.Tab))
	}
	do(t, phone, "tab around", tabs...)
	if !evalJS[bool](t, phone, `document.getElementById("panel").contains(document.activeElement)`, false) {
		t.Errorf("Tab left the open panel: focus on %q", evalJS[string](t, phone, `document.activeElement.outerHTML.slice(0, 80)`, false))
	}
	do(t, phone, "shift-tab", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(input.ModifierShift)), chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(input.ModifierShift)))
	if !evalJS[bool](t, phone, `document.getElementById("panel").contains(document.activeElement)`, false) {
		t.Error("Shift+Tab left the open panel")
	}
	do(t, phone, "escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitVisible(`#launcher`, q(nil)...))
	if f := evalJS[string](t, phone, `document.activeElement.id`, false); f != "launcher" {
		t.Errorf("after Escape the focus is on %q, want the launcher", f)
	}
}
