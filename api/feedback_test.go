package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
)

// metricValue reads one sample of the server's Prometheus text output (0 when absent).
func metricValue(t *testing.T, e *env, series string) float64 {
	t.Helper()
	r := e.call("GET", "/metrics", nil)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+]+)$`).FindSubmatch(r.Body)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// widgetVisitor is a widget token through the widget host on the shop page, and its headers.
func widgetVisitor(t *testing.T, e *env, tn tenant) []reqOpt {
	t.Helper()
	r, token := embedToken(t, e, tn.ClientID, embedded(testWidgetHost, testShop)...)
	if token == "" {
		t.Fatalf("widget token: %d %s", r.HTTP.StatusCode, r.Body)
	}
	return append([]reqOpt{withBearer(token)}, embedded(testWidgetHost, testShop)...)
}

type sessionData struct {
	ID        string          `json:"id"`
	SessionID string          `json:"session_id"`
	ExpiresAt *time.Time      `json:"expires_at"`
	Metadata  json.RawMessage `json:"metadata"`
}

func openSession(t *testing.T, e *env, assistantID string, opts ...reqOpt) sessionData {
	t.Helper()
	r := e.call("POST", "/api/v1/sessions/", map[string]any{"assistant_id": assistantID, "visitor_id": "v-1", "locale": "en",
		"metadata": map[string]any{"page": "/help"}}, opts...)
	expect(t, r, http.StatusCreated)
	var s sessionData
	r.data(&s)
	return s
}

func ask(t *testing.T, e *env, sessionID, q string, opts ...reqOpt) reply {
	t.Helper()
	r := e.call("POST", "/api/v1/sessions/"+sessionID+"/messages", map[string]string{"content": q}, opts...)
	expect(t, r, http.StatusOK)
	var rep reply
	r.data(&rep)
	return rep
}

// TestWidgetSessions: the session view carries session_id and expires_at, the message list
// carries data.messages, and PATCH merges bounded metadata for the session's own widget.
func TestWidgetSessions(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost))
	a := e.assistant(e.org, `{"name":"Helper"}`)
	visitor := widgetVisitor(t, e, e.org)
	s := openSession(t, e, a.ID, visitor...)
	if s.SessionID == "" || s.SessionID != s.ID || s.ExpiresAt == nil || time.Until(*s.ExpiresAt) < time.Minute {
		t.Fatalf("session view: %+v", s)
	}
	r := e.call("GET", "/api/v1/sessions/"+s.ID, nil, visitor...)
	expect(t, r, http.StatusOK)
	var got sessionData
	r.data(&got)
	if got.SessionID != s.ID || got.ExpiresAt == nil {
		t.Fatalf("fetched session: %s", r.Body)
	}

	rep := ask(t, e, s.ID, "Hello, can you help me?", visitor...)
	r = e.call("GET", "/api/v1/sessions/"+s.ID+"/messages", nil, visitor...)
	expect(t, r, http.StatusOK)
	var page struct {
		Items    []lorebase.Message `json:"items"`
		Messages []lorebase.Message `json:"messages"`
		Total    int                `json:"total"`
	}
	r.data(&page)
	if page.Total != 2 || len(page.Messages) != 2 || len(page.Items) != 2 || page.Messages[1].ID != rep.AssistantMessage.ID || page.Messages[0].ID != page.Items[0].ID {
		t.Fatalf("message list: %s", r.Body)
	}

	// PATCH merges at the top level; null removes a key.
	r = e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"cart": map[string]any{"items": 2}, "page": nil, "ref": "ad"}}, visitor...)
	expect(t, r, http.StatusOK)
	r.data(&got)
	var meta map[string]any
	_ = json.Unmarshal(got.Metadata, &meta)
	if _, ok := meta["page"]; ok || meta["ref"] != "ad" || meta["cart"] == nil || got.SessionID != s.ID {
		t.Fatalf("merged metadata: %s", r.Body)
	}
	// The key pair may patch too.
	r = e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"agent_note": "vip"}}, withKey(e.org))
	expect(t, r, http.StatusOK)

	// Bounds and shapes: refused without changing anything.
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"metadata": map[string]any{"blob": strings.Repeat("x", 17<<10)}}, http.StatusUnprocessableEntity},
		{map[string]any{"metadata": "not an object"}, http.StatusUnprocessableEntity},
		{map[string]any{"metadata": []int{1}}, http.StatusUnprocessableEntity},
		{map[string]any{}, http.StatusUnprocessableEntity},
		{map[string]any{"metadata": map[string]any{"blob": strings.Repeat("x", 2<<20)}}, http.StatusRequestEntityTooLarge},
	} {
		expect(t, e.call("PATCH", "/api/v1/sessions/"+s.ID, c.body, visitor...), c.status)
	}
	// Patches that each fit but together would not: the merged size is bounded.
	for i := 0; i < 3; i++ {
		r = e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"part" + strconv.Itoa(i): strings.Repeat("y", 6<<10)}}, visitor...)
		if i < 2 {
			expect(t, r, http.StatusOK)
		} else {
			expect(t, r, http.StatusUnprocessableEntity)
		}
	}
	r = e.call("GET", "/api/v1/sessions/"+s.ID, nil, visitor...)
	r.data(&got)
	_ = json.Unmarshal(got.Metadata, &meta)
	if meta["agent_note"] != "vip" || meta["part2"] != nil || meta["part1"] == nil {
		t.Fatalf("metadata after refusals: %s", got.Metadata)
	}

	// Another visitor's token, another organization, and an unknown id: 404.
	_, other := embedToken(t, e, e.org.ClientID, embedded(testWidgetHost, testShop)...)
	otherVisitor := append([]reqOpt{withBearer(other)}, embedded(testWidgetHost, testShop)...)
	expect(t, e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"x": 1}}, otherVisitor...), http.StatusNotFound)
	b := e.newTenant("Globex", "https://b.example")
	expect(t, e.call("PATCH", "/api/v1/sessions/"+s.ID, map[string]any{"metadata": map[string]any{"x": 1}}, withKey(b)), http.StatusNotFound)
	expect(t, e.call("PATCH", "/api/v1/sessions/00000000-0000-4000-8000-000000000000", map[string]any{"metadata": map[string]any{"x": 1}}, withKey(e.org)), http.StatusNotFound)
}

func listFeedback(t *testing.T, e *env, tn tenant, query string) ([]lorebase.Feedback, int) {
	t.Helper()
	r := e.call("GET", "/api/v1/feedback/"+query, nil, withKey(tn))
	expect(t, r, http.StatusOK)
	var l struct {
		Items []lorebase.Feedback `json:"items"`
		Total int                 `json:"total"`
	}
	r.data(&l)
	return l.Items, l.Total
}

// TestFeedback: session ratings and message thumbs from the widget, one each (a second
// replaces the first), listed for knowledge managers with the question, answer and sources;
// a negative thumb on an ungrounded answer becomes a knowledge gap; every refusal.
func TestFeedback(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost))
	e.startWorker()
	e.knowledgeBase(e.org)
	a := e.assistant(e.org, `{"name":"Shop helper","default_tasks":["answer questions about orders"]}`)
	visitor := widgetVisitor(t, e, e.org)
	s := openSession(t, e, a.ID, visitor...)

	grounded := ask(t, e, s.ID, "How do I reset the router?", visitor...)
	if grounded.meta()["grounded"] != true || grounded.meta()["assistant_unsure"] != false || len(grounded.AssistantMessage.Sources) == 0 {
		t.Fatalf("grounded reply: %+v %v", grounded.AssistantMessage, grounded.meta())
	}
	unsure := ask(t, e, s.ID, "What colour is the zebra-quokka-3141 mascot?", visitor...)
	if unsure.meta()["grounded"] != false || unsure.meta()["assistant_unsure"] != true {
		t.Fatalf("ungrounded reply metadata: %v", unsure.meta())
	}

	before := metricValue(t, e, `lorebase_feedback_total{type="message",value="negative"}`)

	// Session rating: none yet, then 201, then a replacement 200.
	r := e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, visitor...)
	expect(t, r, http.StatusOK)
	if string(r.Data) != `{"has_feedback":false,"rating":null,"comment":null,"created_at":null,"updated_at":null}` {
		t.Fatalf("no feedback yet: %s", r.Data)
	}
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 2, "comment": "slow"}, visitor...), http.StatusCreated)
	r = e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback/", map[string]any{"rating": 4, "comment": "better after all"}, visitor...)
	expect(t, r, http.StatusOK)
	r = e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, visitor...)
	var sf struct {
		HasFeedback bool    `json:"has_feedback"`
		Rating      *int    `json:"rating"`
		Comment     *string `json:"comment"`
	}
	r.data(&sf)
	if !sf.HasFeedback || sf.Rating == nil || *sf.Rating != 4 || sf.Comment == nil || *sf.Comment != "better after all" {
		t.Fatalf("session feedback: %s", r.Data)
	}

	// Message thumbs on both paths; the second replaces the first.
	expect(t, e.call("POST", "/api/v1/message/"+grounded.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "negative"}, visitor...), http.StatusCreated)
	expect(t, e.call("POST", "/api/v1/messages/"+grounded.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "positive", "comment": "clear"}, visitor...), http.StatusOK)
	expect(t, e.call("POST", "/api/v1/message/"+unsure.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "negative", "comment": "no answer at all"}, visitor...), http.StatusCreated)

	// Refusals: bad values, a visitor's own message, other sessions, other organizations.
	for _, c := range []struct {
		path string
		body any
	}{
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"rating": 0}},
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"rating": 6}},
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"rating": "5"}},
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"rating": 3.5}},
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"comment": "no rating"}},
		{"/api/v1/sessions/" + s.ID + "/feedback", map[string]any{"rating": 3, "comment": strings.Repeat("c", 2001)}},
		{"/api/v1/message/" + grounded.AssistantMessage.ID + "/feedback", map[string]any{"feedback_type": "meh"}},
		{"/api/v1/message/" + grounded.AssistantMessage.ID + "/feedback", map[string]any{"feedback_type": 1}},
		{"/api/v1/message/" + grounded.AssistantMessage.ID + "/feedback", map[string]any{}},
		{"/api/v1/message/" + grounded.UserMessage.ID + "/feedback", map[string]any{"feedback_type": "positive"}},
	} {
		expect(t, e.call("POST", c.path, c.body, visitor...), http.StatusUnprocessableEntity)
	}
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", `{"rating":`, visitor...), http.StatusBadRequest)
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 1, "comment": strings.Repeat("c", 2<<20)}, visitor...), http.StatusRequestEntityTooLarge)

	// Another visitor of the same organization cannot rate this session or its messages.
	other := widgetVisitor(t, e, e.org)
	expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 1}, other...), http.StatusNotFound)
	expect(t, e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, other...), http.StatusNotFound)
	expect(t, e.call("POST", "/api/v1/message/"+unsure.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "positive"}, other...), http.StatusNotFound)
	// A widget token cannot rate a session opened with the key pair, nor list feedback.
	ks := openSession(t, e, a.ID, withKey(e.org))
	krep := ask(t, e, ks.ID, "Do you ship to Canada?", withKey(e.org))
	expect(t, e.call("POST", "/api/v1/sessions/"+ks.ID+"/feedback", map[string]any{"rating": 1}, visitor...), http.StatusNotFound)
	expect(t, e.call("POST", "/api/v1/message/"+krep.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "negative"}, visitor...), http.StatusNotFound)
	expect(t, e.call("GET", "/api/v1/feedback/", nil, visitor...), http.StatusForbidden)
	// The key pair may give feedback on any of its organization's answers, conversations included.
	expect(t, e.call("POST", "/api/v1/message/"+krep.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "positive"}, withKey(e.org)), http.StatusCreated)
	b := e.newTenant("Globex", "https://b.example")
	bVisitor := []reqOpt{}
	{
		_, tok := embedToken(t, e, b.ClientID, withHeader("Origin", "https://b.example"))
		bVisitor = []reqOpt{withBearer(tok), withHeader("Origin", "https://b.example")}
	}
	for _, opts := range [][]reqOpt{{withKey(b)}, bVisitor} {
		expect(t, e.call("POST", "/api/v1/sessions/"+s.ID+"/feedback", map[string]any{"rating": 1}, opts...), http.StatusNotFound)
		expect(t, e.call("GET", "/api/v1/sessions/"+s.ID+"/feedback", nil, opts...), http.StatusNotFound)
		expect(t, e.call("POST", "/api/v1/message/"+unsure.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "positive"}, opts...), http.StatusNotFound)
	}
	if items, total := listFeedback(t, e, b, ""); total != 0 || len(items) != 0 {
		t.Fatalf("B sees A's feedback: %+v", items)
	}

	// The knowledge manager's list: newest first, with who, the question, the answer and sources.
	items, total := listFeedback(t, e, e.org, "")
	if total != 4 || len(items) != 4 {
		t.Fatalf("feedback list: %d %+v", total, items)
	}
	byMessage := map[string]lorebase.Feedback{}
	for _, f := range items {
		if f.MessageID != nil {
			byMessage[*f.MessageID] = f
		}
	}
	g := byMessage[grounded.AssistantMessage.ID]
	if g.FeedbackType == nil || *g.FeedbackType != "positive" || g.Comment != "clear" || g.Question == nil || *g.Question != "How do I reset the router?" ||
		g.Answer == nil || *g.Answer != grounded.AssistantMessage.Content || len(g.Sources) == 0 || g.Sources[0].Title == "" ||
		g.AuthorKind != "widget" || g.AuthorVisitor == "" || g.AuthorClientID != e.org.ClientID || g.ThreadID != s.ID || g.AssistantID != a.ID ||
		g.Grounded == nil || !*g.Grounded || g.CreatedAt.IsZero() || g.UpdatedAt.Before(g.CreatedAt) {
		t.Fatalf("grounded answer's feedback: %+v", g)
	}
	u := byMessage[unsure.AssistantMessage.ID]
	if u.Grounded == nil || *u.Grounded || u.Question == nil || !strings.Contains(*u.Question, "zebra-quokka-3141") {
		t.Fatalf("ungrounded answer's feedback: %+v", u)
	}
	if k := byMessage[krep.AssistantMessage.ID]; k.AuthorKind != "api_client" || k.AuthorVisitor != "" {
		t.Fatalf("key pair feedback author: %+v", k)
	}
	// Filters: type, assistant, date; pagination.
	for q, want := range map[string]int{
		"?type=session": 1, "?type=message": 3, "?type=negative": 1, "?type=positive": 2, "?feedback_type=negative": 1,
		"?assistant_id=" + a.ID: 4, "?assistant_id=00000000-0000-4000-8000-000000000000": 0,
		"?from=" + time.Now().UTC().Format(time.DateOnly): 4, "?to=" + time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly): 0,
		"?from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): 0,
	} {
		if _, total := listFeedback(t, e, e.org, q); total != want {
			t.Errorf("%s: %d, want %d", q, total, want)
		}
	}
	p1, total := listFeedback(t, e, e.org, "?page_size=3")
	p2, _ := listFeedback(t, e, e.org, "?page_size=3&page=2")
	if total != 4 || len(p1) != 3 || len(p2) != 1 || p2[0].ID == p1[0].ID {
		t.Fatalf("pages: %d %d %d", total, len(p1), len(p2))
	}
	for _, q := range []string{"?type=thumbs", "?from=yesterday", "?assistant_id=x", "?feedback_type=meh", "?page_size=500"} {
		expect(t, e.call("GET", "/api/v1/feedback"+q, nil, withKey(e.org)), http.StatusUnprocessableEntity)
	}

	// Metrics count every feedback.
	if after := metricValue(t, e, `lorebase_feedback_total{type="message",value="negative"}`); after-before != 2 {
		t.Errorf("negative feedback metric grew by %v, want 2", after-before)
	}
	if v := metricValue(t, e, `lorebase_feedback_total{type="session",value="4"}`); v < 1 {
		t.Errorf("session rating metric: %v", v)
	}

	// The negative thumb on the ungrounded answer is a knowledge gap; the grounded one's is not,
	// and turning the thumb positive removes the gap.
	gaps := func() map[string]lorebase.KnowledgeGap {
		r := e.call("GET", "/api/v1/knowledge/gaps?page_size=100", nil, withKey(e.org))
		expect(t, r, http.StatusOK)
		var l struct {
			Items []lorebase.KnowledgeGap `json:"items"`
		}
		r.data(&l)
		out := map[string]lorebase.KnowledgeGap{}
		for _, g := range l.Items {
			if g.Reason == "negative_feedback" && g.MessageID != nil {
				out[*g.MessageID] = g
			}
		}
		return out
	}
	fg := gaps()
	if gp, ok := fg[unsure.AssistantMessage.ID]; !ok || !strings.Contains(gp.Question, "zebra-quokka-3141") || gp.Comment != "no answer at all" || gp.ThreadID == nil || *gp.ThreadID != s.ID {
		t.Fatalf("gap from negative feedback: %+v", fg)
	}
	if len(fg) != 1 {
		t.Fatalf("gaps from feedback: %+v", fg)
	}
	expect(t, e.call("POST", "/api/v1/message/"+unsure.AssistantMessage.ID+"/feedback", map[string]any{"feedback_type": "positive"}, visitor...), http.StatusOK)
	if fg := gaps(); len(fg) != 0 {
		t.Fatalf("gap kept after the thumb turned positive: %+v", fg)
	}
}

// TestTelemetry: events are accepted (202) and counted, bodies are bounded, nothing else.
func TestTelemetry(t *testing.T) {
	t.Parallel()
	e := setup(t, withWidgetHosts(testWidgetHost))
	before := metricValue(t, e, `lorebase_widget_telemetry_events_total{event="widget_opened"}`)
	for _, c := range []struct {
		body string
		n    int
	}{
		{`{"event":"widget_opened","session_id":"x","properties":{"page":"/"}}`, 1},
		{`[{"event":"widget_opened"},{"event_type":"message_sent"}]`, 2},
		{`{"events":[{"name":"widget_opened"},{"type":"feedback"},{}]}`, 3},
	} {
		r := e.call("POST", "/telemetry/events/", c.body, embedded(testWidgetHost, testShop)...)
		expect(t, r, http.StatusAccepted)
		var d struct{ Accepted int }
		r.data(&d)
		if d.Accepted != c.n {
			t.Errorf("%s: accepted %d, want %d", c.body, d.Accepted, c.n)
		}
		if r.HTTP.Header.Get("Access-Control-Allow-Origin") != testWidgetHost {
			t.Errorf("telemetry from the widget host without CORS")
		}
	}
	expect(t, e.call("POST", "/telemetry/events", `{"event":"widget_opened"}`), http.StatusAccepted)
	if after := metricValue(t, e, `lorebase_widget_telemetry_events_total{event="widget_opened"}`); after-before != 4 {
		t.Errorf("widget_opened counted %v times, want 4", after-before)
	}
	if v := metricValue(t, e, `lorebase_widget_telemetry_events_total{event="unnamed"}`); v != 1 {
		t.Errorf("unnamed events: %v", v)
	}
	// A hostile name does not become a label.
	expect(t, e.call("POST", "/telemetry/events", `{"event":"<script>alert(1)</script>"}`), http.StatusAccepted)
	if v := metricValue(t, e, `lorebase_widget_telemetry_events_total{event="other"}`); v != 1 {
		t.Errorf("other events: %v", v)
	}
	big := `{"event":"x","blob":"` + strings.Repeat("a", 70<<10) + `"}`
	r := e.call("POST", "/telemetry/events", big)
	expect(t, r, http.StatusRequestEntityTooLarge)
	expect(t, e.call("POST", "/telemetry/events", `{"event":`), http.StatusBadRequest)
	expect(t, e.call("POST", "/telemetry/events", `hello`, withHeader("Content-Type", "text/plain")), http.StatusUnsupportedMediaType)
	// Telemetry is not stored: no table holds it.
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%telemetry%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("telemetry tables: %d %v", n, err)
	}
}
