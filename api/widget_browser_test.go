package api_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/lorebase/lorebase"
)

// widgetFrame is a minimal chat widget written only from ../shared/API.md ("Browser widgets"):
// the page a widget host serves in an iframe. It takes a token naming its embedding page in
// X-Embed-Origin, loads its configuration and variants, opens a session, patches its metadata,
// asks, reads the history, leaves feedback and sends telemetry, rendering each result.
const widgetFrame = `<!doctype html>
<html><head><meta charset="utf-8"><title>widget</title></head>
<body>
<header id="header"><h1 id="title"></h1><p id="greeting"></p></header>
<div id="reply"></div><ul id="sources"></ul>
<dl>
<dt>status</dt><dd id="status"></dd>
<dt>variants</dt><dd id="variants"></dd><dt>history</dt><dd id="history"></dd><dt>unsure</dt><dd id="unsure"></dd>
<dt>feedback</dt><dd id="feedback"></dd><dt>telemetry</dt><dd id="telemetry"></dd>
<dt>error</dt><dd id="error"></dd><dd id="error-status"></dd><dd id="error-code"></dd>
</dl>
<pre id="log"></pre>
<script>
const q = new URLSearchParams(location.search);
const api = q.get('api');
// The embedding page's origin, as the browser reports it (the host page cannot forge it).
const page = location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : new URL(document.referrer).origin;
const $ = id => document.getElementById(id);
const log = s => { $('log').textContent += s + '\n'; };
let token = null;
async function call(method, path, body) {
  const headers = {'X-Embed-Origin': page};
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(api + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const json = await res.json();
  log(method + ' ' + path + ' ' + res.status);
  if (!res.ok) {
    const err = new Error(json.detail);
    err.status = res.status;
    err.code = json.data && json.data.code;
    throw err;
  }
  return json;
}
async function run() {
  token = (await call('POST', '/api/v1/auth/widget-token', {client_id: q.get('client_id')})).token;
  const cfg = (await call('GET', '/widget-config/' + q.get('config_id') + '?visitor_id=v-browser')).data;
  $('title').textContent = cfg.title[cfg.default_language] || cfg.title.en;
  $('greeting').textContent = cfg.greeting_message.text[cfg.default_language] || '';
  $('header').style.backgroundColor = cfg.primary_color;
  $('variants').textContent = String((await call('GET', '/widget-config/' + cfg.id + '/variants/')).data.items.length);
  const session = (await call('POST', '/api/v1/sessions/', {assistant_id: q.get('assistant_id'), visitor_id: 'v-browser', locale: 'en', metadata: {page: page}})).data;
  const sid = session.session_id;
  await call('PATCH', '/api/v1/sessions/' + sid, {metadata: {widget_version: 'browser-test-1'}});
  const reply = (await call('POST', '/api/v1/sessions/' + sid + '/messages', {content: q.get('question')})).data;
  const answer = reply.assistant_message;
  $('reply').textContent = answer.content;
  $('unsure').textContent = String(answer.metadata.assistant_unsure);
  for (const s of answer.sources) {
    const li = document.createElement('li');
    li.textContent = s.title;
    $('sources').appendChild(li);
  }
  $('history').textContent = String((await call('GET', '/api/v1/sessions/' + sid + '/messages')).data.messages.length);
  await call('POST', '/api/v1/message/' + answer.id + '/feedback', {feedback_type: 'positive', comment: 'from the browser'});
  await call('POST', '/api/v1/sessions/' + sid + '/feedback', {rating: 5, comment: 'great widget'});
  const fb = (await call('GET', '/api/v1/sessions/' + sid + '/feedback')).data;
  $('feedback').textContent = fb.has_feedback ? String(fb.rating) : 'none';
  const tel = await fetch(api + '/telemetry/events/', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({event: 'widget_opened'})});
  $('telemetry').textContent = String(tel.status);
  $('status').textContent = 'done';
}
run().catch(err => {
  $('error').textContent = err.message;
  $('error-status').textContent = String(err.status || '');
  $('error-code').textContent = err.code || '';
  $('status').textContent = 'error';
});
</script>
</body></html>`

// hostPage is the site owner's page: it embeds the widget iframe (the frame query parameter).
var hostPage = template.Must(template.New("host").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A shop</h1><iframe id="widget" src="{{.}}" width="420" height="640"></iframe></body></html>`))

func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// widgetResult is what the widget frame rendered.
type widgetResult struct {
	status, title, greeting, reply, unsure, variants, history, feedback, telemetry, errText, errStatus, errCode, log string
	sources                                                                                                          []string
}

// runWidget opens a host page in a fresh headless Chromium and reads what the widget iframe shows.
func runWidget(t *testing.T, browser context.Context, pageURL string) widgetResult {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()
	var frames []*cdp.Node
	if err := chromedp.Run(ctx, chromedp.Navigate(pageURL), chromedp.Nodes("iframe#widget", &frames, chromedp.ByQuery)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	in := chromedp.FromNode(frames[0])
	var res widgetResult
	for {
		if err := chromedp.Run(ctx, chromedp.Text("#status", &res.status, chromedp.ByQuery, in)); err != nil {
			t.Fatalf("read the widget's status: %v", err)
		}
		if res.status != "" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the widget never finished: %v", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	var sources []*cdp.Node
	err := chromedp.Run(ctx,
		chromedp.Text("#title", &res.title, chromedp.ByQuery, in),
		chromedp.Text("#greeting", &res.greeting, chromedp.ByQuery, in),
		chromedp.Text("#reply", &res.reply, chromedp.ByQuery, in),
		chromedp.Text("#unsure", &res.unsure, chromedp.ByQuery, in),
		chromedp.Text("#variants", &res.variants, chromedp.ByQuery, in),
		chromedp.Text("#history", &res.history, chromedp.ByQuery, in),
		chromedp.Text("#feedback", &res.feedback, chromedp.ByQuery, in),
		chromedp.Text("#telemetry", &res.telemetry, chromedp.ByQuery, in),
		chromedp.Text("#error", &res.errText, chromedp.ByQuery, in),
		chromedp.Text("#error-status", &res.errStatus, chromedp.ByQuery, in),
		chromedp.Text("#error-code", &res.errCode, chromedp.ByQuery, in),
		chromedp.Text("#log", &res.log, chromedp.ByQuery, in),
		chromedp.Nodes("#sources li", &sources, chromedp.ByQueryAll, chromedp.AtLeast(0), in),
	)
	if err != nil {
		t.Fatalf("read the widget: %v", err)
	}
	for _, n := range sources {
		var s string
		if err := chromedp.Run(ctx, chromedp.Text([]cdp.NodeID{n.NodeID}, &s, chromedp.ByNodeID)); err != nil {
			t.Fatal(err)
		}
		res.sources = append(res.sources, s)
	}
	return res
}

// TestWidgetInBrowser runs the embedded-widget contract in a real headless Chromium: a host page
// on one loopback origin embeds an iframe from a second loopback origin, the widget host. The
// same flow embedded on a page that is not allowed, and served from an origin that is not a
// widget host, fails as API.md documents.
func TestWidgetInBrowser(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath()
	if chromium == "" {
		t.Skip("no chromium binary (Debian package chromium; scripts/setup.sh installs it)")
	}
	frame := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/frame.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, widgetFrame)
	})
	widgetHost := httptest.NewServer(frame)
	t.Cleanup(widgetHost.Close)
	rogueHost := httptest.NewServer(frame) // serves the same widget, but is not a configured widget host
	t.Cleanup(rogueHost.Close)
	host := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = hostPage.Execute(w, r.URL.Query().Get("frame"))
	})
	shop := httptest.NewServer(host) // the allowed page
	t.Cleanup(shop.Close)
	stranger := httptest.NewServer(host) // a page the client does not allow
	t.Cleanup(stranger.Close)

	e := setup(t, withWidgetHosts(widgetHost.URL))
	e.startWorker()
	tn := e.newTenant("Browser shop", shop.URL)
	e.knowledgeBase(tn)
	a := e.assistant(tn, `{"name":"Shop helper","default_tasks":["answer questions about the router"]}`)
	cfg := widgetConfig(t, e, tn, map[string]any{"assistant_id": a.ID, "primary_color": "#ff6600",
		"title": map[string]string{"en": "Router help desk"}, "greeting_message": map[string]any{"text": map[string]string{"en": "Ask me about your router"}}})

	frameURL := func(base string) string {
		q := url.Values{"api": {e.srv.URL}, "client_id": {tn.ClientID}, "assistant_id": {a.ID}, "config_id": {cfg.ID},
			"question": {"How do I reset the router?"}}
		return base + "/frame.html?" + q.Encode()
	}
	pageURL := func(page, frameBase string) string { return page + "/?frame=" + url.QueryEscape(frameURL(frameBase)) }

	// A fresh profile, removed after the browser exits; Chromium's helper processes may still be
	// closing files for a moment, so removal is retried and never fails the test.
	profile, err := os.MkdirTemp("", "lorebase-widget-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR=" + profile), // its singleton socket directory goes with the profile
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	// The allowed path: the widget shows the configuration, the reply and its sources.
	res := runWidget(t, browser, pageURL(shop.URL, widgetHost.URL))
	t.Logf("allowed page: status %q title %q reply %q sources %q history %s feedback %s telemetry %s", res.status, res.title, res.reply, res.sources,
		res.history, res.feedback, res.telemetry)
	if res.status != "done" {
		t.Fatalf("widget on the allowed page: %s %s %s %s\n%s", res.status, res.errStatus, res.errCode, res.errText, res.log)
	}
	if res.title != "Router help desk" || res.greeting != "Ask me about your router" || res.variants != "0" {
		t.Errorf("configuration rendered: title %q greeting %q variants %q", res.title, res.greeting, res.variants)
	}
	if !strings.Contains(strings.ToLower(res.reply), "reset button") || res.unsure != "false" {
		t.Errorf("reply rendered: %q (unsure %s)", res.reply, res.unsure)
	}
	if len(res.sources) == 0 || !strings.Contains(strings.Join(res.sources, "|"), "Router manual") {
		t.Errorf("sources rendered: %q", res.sources)
	}
	if res.history != "2" || res.feedback != "5" || res.telemetry != "202" {
		t.Errorf("history %q, feedback %q, telemetry %q\n%s", res.history, res.feedback, res.telemetry, res.log)
	}
	// What the browser did reached the server: the thumb and rating, by a widget visitor, and the metadata.
	items, total := listFeedback(t, e, tn, "")
	if total != 2 {
		t.Fatalf("feedback stored from the browser: %+v", items)
	}
	for _, f := range items {
		if f.AuthorKind != "widget" || (f.Type == lorebase.FeedbackMessage && (f.Comment != "from the browser" || f.Answer == nil || len(f.Sources) == 0)) {
			t.Errorf("stored feedback: %+v", f)
		}
	}
	r := e.call("GET", "/api/v1/sessions/"+items[0].ThreadID, nil, withKey(tn))
	expect(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "browser-test-1") || !strings.Contains(string(r.Body), shop.URL) {
		t.Errorf("session metadata from the browser: %s", r.Body)
	}

	// The same widget embedded on a page the client does not allow: the documented 400.
	res = runWidget(t, browser, pageURL(stranger.URL, widgetHost.URL))
	t.Logf("page not allowed: status %q %s %s %q", res.status, res.errStatus, res.errCode, res.errText)
	if res.status != "error" || res.errStatus != "400" || res.errCode != "origin_not_allowed" || res.reply != "" {
		t.Errorf("widget on a page that is not allowed: %+v", res)
	}
	// The widget served from an origin that is not a widget host, on the allowed page: it cannot
	// claim the page's origin, and the browser refuses the cross-origin answer (no CORS grant).
	res = runWidget(t, browser, pageURL(shop.URL, rogueHost.URL))
	t.Logf("not a widget host: status %q %q", res.status, res.errText)
	if res.status != "error" || res.errStatus != "" || !strings.Contains(res.errText, "Failed to fetch") || res.reply != "" {
		t.Errorf("widget from an origin that is not a widget host: %+v", res)
	}
	if _, total := listFeedback(t, e, tn, ""); total != 2 {
		t.Errorf("refused widgets left feedback: %d", total)
	}
}
