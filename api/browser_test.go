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

	// A widget configuration: its live preview follows the form, and its snippet is copied.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: e.srv.URL}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	title := chromedp.ID("wc-title")
	browsertest.Do(t, ctx, "new widget", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/widgets"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="New widget"]`)),
		chromedp.WaitVisible(chromedp.CSS(`iframe.preview`)),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("wc-title").value = ""`),
		chromedp.SendKeys(title, "Ask ACME"),
	)
	preview := browsertest.Get(t, ctx, "preview frame", browserWait, chromedp.Nodes(chromedp.CSS(`iframe.preview`), chromedp.NodeReady))
	browsertest.Do(t, ctx, "preview", browserWait, chromedp.WaitVisible(chromedp.CSS(`.msg.assistant`), in(preview[0])...))
	browsertest.Get(t, ctx, "preview follows the form", browserWait,
		chromedp.Poll[bool](`document.querySelector("iframe.preview").contentDocument.getElementById("title").textContent === "Ask ACME"`))
	checkAxe(t, ctx, "widgets")
	browsertest.Screenshot(t, ctx, shots, "console-widgets")
	browsertest.Do(t, ctx, "save widget", browserWait,
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Save widget"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.widget-editor .snippet`)),
		chromedp.Click(chromedp.CSS(`form.widget-editor button.copy`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id="toast" and contains(., "Snippet copied")]`)),
	)
	snippet := browsertest.Get(t, ctx, "snippet", 10*time.Second, chromedp.Text(chromedp.CSS(`form.widget-editor .snippet`)))
	copied := browsertest.Get(t, ctx, "clipboard", 10*time.Second, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
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
	browsertest.Do(t, ctx, "sign out", browserWait,
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="client_secret"]`)),
	)
	status := browsertest.Get(t, ctx, "after sign-out", 10*time.Second, chromedp.Evaluate[int](
		`fetch("/api/v1/assistants/").then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != http.StatusUnauthorized {
		t.Errorf("an API call after sign-out answered %d, want 401", status)
	}
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

func TestWidgetInBrowser(t *testing.T) {
	e := setup(t)
	e.startWorker()
	shots := screenshotDir(t)

	// The lorebase server again, with the widget's message requests recorded.
	watch := &streamWatch{}
	lb := httptest.NewServer(watch.wrap(e.api.Handler()))
	t.Cleanup(lb.Close)
	host := &hostPage{}
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
	frameOf := func() *chromedp.Node {
		t.Helper()
		n := browsertest.Get(t, ctx, "widget iframe", browserWait, chromedp.Nodes(chromedp.CSS(`iframe[data-lorebase-widget]`), chromedp.NodeReady))
		return n[0]
	}
	browsertest.Do(t, ctx, "open the shop", browserWait, chromedp.Navigate(site.URL+"/"))
	frame := frameOf()
	browsertest.Do(t, ctx, "open the widget", browserWait,
		chromedp.WaitVisible(chromedp.CSS(`#launcher`), in(frame)...),
		chromedp.Click(chromedp.CSS(`#launcher`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`#panel`), in(frame)...),
	)
	if got := browsertest.Get(t, ctx, "title", 10*time.Second, chromedp.Text(chromedp.CSS(`#title`), in(frame)...)); got != "Tea shop help" {
		t.Errorf("widget title %q, want the configuration's", got)
	}
	browsertest.Do(t, ctx, "ask", browserWait,
		chromedp.SendKeys(chromedp.CSS(`#input`), "How long does delivery to Canada take?", in(frame)...),
		chromedp.Click(chromedp.CSS(`#send`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant a.source`), in(frame)...),
	)
	reply := browsertest.Get(t, ctx, "reply", 10*time.Second, chromedp.Text(chromedp.CSS(`.msg.assistant:last-of-type .body`), in(frame)...))
	if !strings.Contains(reply, "7 to 10 business days") {
		t.Errorf("the reply does not carry the answer: %q", reply)
	}
	link := browsertest.Get(t, ctx, "source link", 10*time.Second, chromedp.AttributeValue(chromedp.CSS(`.msg.assistant a.source`), "href", in(frame)...))
	if !strings.HasPrefix(link.Value, docs.URL+"/shipping") {
		t.Errorf("source link %q, want the crawled page", link.Value)
	}
	watch.mu.Lock()
	accepts := append([]string(nil), watch.accepts...)
	watch.mu.Unlock()
	if len(accepts) != 1 || accepts[0] != "text/event-stream" {
		t.Errorf("the widget asked for replies with Accept %q, want one streamed (SSE) request", accepts)
	}
	browsertest.Screenshot(t, ctx, shots, "widget-open")

	// Thumbs down, and a rating of the whole conversation.
	browsertest.Do(t, ctx, "thumbs down and rate", browserWait,
		chromedp.Click(chromedp.CSS(`.msg.assistant button[data-feedback="negative"]`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant button[data-feedback="negative"][aria-pressed="true"]`), in(frame)...),
		chromedp.Click(chromedp.CSS(`#stars button[data-rating="4"]`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`#stars button[data-rating="4"][aria-pressed="true"]`), in(frame)...),
	)

	// A reload keeps the conversation while the session lives.
	browsertest.Do(t, ctx, "reload", browserWait, chromedp.Reload())
	frame = frameOf()
	browsertest.Do(t, ctx, "conversation after reload", browserWait,
		chromedp.WaitVisible(chromedp.CSS(`#panel`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant a.source`), in(frame)...),
		chromedp.WaitVisible(chromedp.CSS(`#stars button[data-rating="4"][aria-pressed="true"]`), in(frame)...),
	)

	// The knowledge manager sees the thumbs down with its question in the console.
	ctx2 := browsertest.New(t, 1280, 900)
	signIn(t, ctx2, e.srv.URL, tn)
	browsertest.Do(t, ctx2, "feedback page", browserWait,
		chromedp.Navigate(e.srv.URL+"/console/#/feedback"),
		chromedp.WaitVisible(chromedp.Search(`//article[contains(@class,"negative")]//p[contains(., "delivery to Canada")]`)),
	)
	browsertest.Screenshot(t, ctx2, shots, "console-feedback")

	// The open widget on a phone-sized screen, and its accessibility on its own.
	phone := browsertest.New(t, 390, 844)
	browsertest.Do(t, phone, "phone", browserWait, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(site.URL+"/"))
	pframe := browsertest.Get(t, phone, "widget iframe", browserWait, chromedp.Nodes(chromedp.CSS(`iframe[data-lorebase-widget]`), chromedp.NodeReady))[0]
	browsertest.Do(t, phone, "open on a phone", browserWait,
		chromedp.Click(chromedp.CSS(`#launcher`), in(pframe)...),
		chromedp.WaitVisible(chromedp.CSS(`#panel`), in(pframe)...),
	)
	width := browsertest.Get(t, phone, "frame width", 10*time.Second, chromedp.Evaluate[int](`document.querySelector("iframe[data-lorebase-widget]").getBoundingClientRect().width`))
	viewport := browsertest.Get(t, phone, "viewport", 10*time.Second, chromedp.Evaluate[int](`window.innerWidth`))
	if width != viewport {
		t.Errorf("on a phone the open widget is %d px wide, want the whole %d px", width, viewport)
	}
	browsertest.Screenshot(t, phone, shots, "widget-phone")

	panel := fmt.Sprintf("%s/widget/?client_id=%s&assistant_id=%s&config_id=%s&embed_origin=%s", lb.URL, tn.ClientID, asst.ID, wc.ID, site.URL)
	browsertest.Do(t, phone, "widget alone", browserWait,
		chromedp.Navigate(panel),
		chromedp.Click(chromedp.CSS(`#launcher`)),
		chromedp.WaitVisible(chromedp.CSS(`#panel .msg.assistant`)),
	)
	checkAxe(t, phone, "the open widget")
	// Keyboard: Escape closes the panel and gives focus back to the launcher.
	browsertest.Do(t, phone, "escape", browserWait, chromedp.KeyEvent("\u001b"), chromedp.WaitVisible(chromedp.CSS(`#launcher`)))
	if f := browsertest.Get(t, phone, "focus", 10*time.Second, chromedp.Evaluate[string](`document.activeElement.id`)); f != "launcher" {
		t.Errorf("after Escape the focus is on %q, want the launcher", f)
	}
}
