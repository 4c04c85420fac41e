package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/conversation"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

// scriptedAnswerer returns a fixed reply (or error) and records the request it got.
type scriptedAnswerer struct {
	reply answer.Reply
	err   error
	got   []answer.Request
}

func (a *scriptedAnswerer) Answer(_ context.Context, req answer.Request, onToken func(string) error) (answer.Reply, error) {
	a.got = append(a.got, req)
	if a.err != nil {
		return answer.Reply{}, a.err
	}
	if onToken != nil {
		if err := onToken(a.reply.Content); err != nil {
			return answer.Reply{}, err
		}
	}
	return a.reply, nil
}

type world struct {
	db      *storetest.DB
	svc     *conversation.Service
	ans     *scriptedAnswerer
	threads *store.Threads
	gaps    *store.Gaps
	thread  lorebase.Thread
}

func setup(t *testing.T) *world {
	t.Helper()
	db := storetest.New(t)
	ctx := context.Background()
	org, _, err := store.NewOrganizations(db.Pool).Create(ctx, "conversation test", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.NewAssistants(db.Pool).Create(ctx, lorebase.Assistant{OrganizationID: org.ID, Name: "Ava", Language: "en", Tone: "friendly", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	contexts := store.NewContexts(db.Pool)
	if _, _, err := contexts.Upsert(ctx, org.ID, "cust-1", json.RawMessage(`{"plan":"pro"}`)); err != nil {
		t.Fatal(err)
	}
	threads := store.NewThreads(db.Pool)
	th, err := threads.Create(ctx, lorebase.Thread{OrganizationID: org.ID, Kind: lorebase.ThreadConversation, AssistantID: a.ID, CustomerID: "cust-1", Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, ans: &scriptedAnswerer{}, threads: threads, gaps: store.NewGaps(db.Pool), thread: th}
	w.svc = conversation.New(threads, store.NewAssistants(db.Pool), contexts, w.ans, w.gaps, store.NewIdempotency(db.Pool), conversation.Config{},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	return w
}

func (w *world) turn(t *testing.T, content string, onToken func(string) error) (conversation.Exchange, error) {
	t.Helper()
	turn, err := w.svc.Begin(context.Background(), w.thread, content, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return w.svc.Finish(context.Background(), turn, onToken)
}

// send sends content with an idempotency key: the exchange, and whether it was a replay.
func (w *world) send(t *testing.T, content, key string) (conversation.Exchange, bool, error) {
	t.Helper()
	turn, err := w.svc.Begin(context.Background(), w.thread, content, nil, key)
	if err != nil {
		return conversation.Exchange{}, false, err
	}
	if turn.Replay != nil {
		return *turn.Replay, true, nil
	}
	ex, err := w.svc.Finish(context.Background(), turn, nil)
	return ex, false, err
}

func (w *world) messages(t *testing.T) []lorebase.Message {
	t.Helper()
	msgs, _, err := w.threads.Messages(context.Background(), w.thread.ID, lorebase.Page{Page: 1, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// A turn saves the question and the reply in order, gives the engine the earlier turns (not
// the current question) and the customer's traits, and marks an ungrounded reply as unsure.
func TestTurnSavesBothMessages(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.ans.reply = answer.Reply{Content: "The Pro plan costs $20 [1].", Grounded: true, AnswerMode: answer.ModeGenerated,
		Sources: []lorebase.Source{{Type: "qa", KnowledgeID: "k1", Title: "Pricing"}}}
	var streamed string
	ex, err := w.turn(t, "How much is Pro?", func(s string) error { streamed += s; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if streamed != ex.AssistantMessage.Content || ex.UserMessage.Content != "How much is Pro?" || len(ex.AssistantMessage.Sources) != 1 {
		t.Fatalf("exchange %+v, streamed %q", ex, streamed)
	}
	w.ans.reply = answer.Reply{Content: "I am not sure.", AnswerMode: answer.ModeGenerated}
	if _, err := w.turn(t, "And for teams?", nil); err != nil {
		t.Fatal(err)
	}
	msgs := w.messages(t)
	if len(msgs) != 4 || msgs[0].Sender != lorebase.SenderUser || msgs[1].Sender != lorebase.SenderAssistant || msgs[3].Content != "I am not sure." {
		t.Fatalf("messages %+v", msgs)
	}
	second := w.ans.got[1]
	if len(second.History) != 2 || second.History[0].Content != "How much is Pro?" || second.Question != "And for teams?" {
		t.Fatalf("second request history %+v question %q: want the first turn only", second.History, second.Question)
	}
	if string(second.Traits) == "" || second.Assistant.Name != "Ava" {
		t.Fatalf("request traits %s assistant %q", second.Traits, second.Assistant.Name)
	}
	var meta map[string]any
	if err := json.Unmarshal(msgs[3].Metadata, &meta); err != nil || meta["assistant_unsure"] != true {
		t.Fatalf("ungrounded reply metadata %s", msgs[3].Metadata)
	}
}

// A failed answer keeps the user's message and saves no reply.
func TestFailedAnswerKeepsUserMessage(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.ans.err = errors.New("model server down")
	if _, err := w.turn(t, "Is anybody there?", nil); err == nil {
		t.Fatal("want the answer's error")
	}
	msgs := w.messages(t)
	if len(msgs) != 1 || msgs[0].Sender != lorebase.SenderUser {
		t.Fatalf("messages %+v, want the user's message only", msgs)
	}
}

// An abstention is saved as the reply and recorded as a knowledge gap with the searched query.
func TestAbstentionRecordsGap(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.ans.reply = answer.Reply{Content: "Our knowledge base does not cover that.", AnswerMode: answer.ModeAbstain, Query: "warranty in mars",
		Language: "en", Confidence: 0.1}
	if _, err := w.turn(t, "What is the warranty on Mars?", nil); err != nil {
		t.Fatal(err)
	}
	gaps, n, err := w.gaps.List(context.Background(), w.thread.OrganizationID, lorebase.Page{Page: 1, PageSize: 10})
	if err != nil || n != 1 || gaps[0].Question != "warranty in mars" || gaps[0].ThreadID == nil || *gaps[0].ThreadID != w.thread.ID {
		t.Fatalf("gaps %+v (%d), %v", gaps, n, err)
	}
}

// An empty message is refused before anything is saved.
func TestBeginValidates(t *testing.T) {
	t.Parallel()
	w := setup(t)
	if _, err := w.svc.Begin(context.Background(), w.thread, "  ", nil, ""); !errors.Is(err, lorebase.ErrInvalid) {
		t.Fatalf("empty message: %v, want ErrInvalid", err)
	}
	if msgs := w.messages(t); len(msgs) != 0 {
		t.Fatalf("messages %+v", msgs)
	}
}

// A message sent again with the same idempotency key gets the first exchange back without a
// second answer or second messages; the key sent with another message is refused, and the
// same key in another thread is another key.
func TestIdempotencyKeyReplays(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.ans.reply = answer.Reply{Content: "Express delivery costs $9 [1].", Grounded: true, AnswerMode: answer.ModeGenerated}
	first, replayed, err := w.send(t, "How much is express delivery?", "k-1")
	if err != nil || replayed {
		t.Fatalf("first send: replayed %v, %v", replayed, err)
	}
	again, replayed, err := w.send(t, "How much is express delivery?", "k-1")
	if err != nil || !replayed || again.AssistantMessage.ID != first.AssistantMessage.ID || again.UserMessage.ID != first.UserMessage.ID ||
		again.AssistantMessage.Content != "Express delivery costs $9 [1]." {
		t.Fatalf("retry: replayed %v, exchange %+v, %v; want the first exchange %+v", replayed, again, err, first)
	}
	if len(w.ans.got) != 1 || len(w.messages(t)) != 2 {
		t.Fatalf("%d answers, %d messages; want the retry to answer nothing and save nothing", len(w.ans.got), len(w.messages(t)))
	}
	if _, _, err := w.send(t, "Something else", "k-1"); !errors.Is(err, lorebase.ErrInvalid) {
		t.Fatalf("key reused for another message: %v, want ErrInvalid", err)
	}
	other, err := w.threads.Create(context.Background(), lorebase.Thread{OrganizationID: w.thread.OrganizationID, Kind: lorebase.ThreadConversation,
		AssistantID: w.thread.AssistantID, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	w.thread = other
	if _, replayed, err := w.send(t, "How much is express delivery?", "k-1"); err != nil || replayed {
		t.Fatalf("same key in another thread: replayed %v, %v; want a fresh answer", replayed, err)
	}
}

// While the first message with a key is being answered a retry is a conflict; a failed answer
// forgets the key, so the next retry runs again.
func TestIdempotencyKeyConflictAndRelease(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	turn, err := w.svc.Begin(ctx, w.thread, "Is anybody there?", nil, "k-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.send(t, "Is anybody there?", "k-2"); !errors.Is(err, lorebase.ErrConflict) {
		t.Fatalf("retry while answering: %v, want ErrConflict", err)
	}
	w.ans.err = errors.New("model server down")
	if _, err := w.svc.Finish(ctx, turn, nil); err == nil {
		t.Fatal("want the answer's error")
	}
	w.ans.err, w.ans.reply = nil, answer.Reply{Content: "Yes, we are here.", AnswerMode: answer.ModeGenerated}
	ex, replayed, err := w.send(t, "Is anybody there?", "k-2")
	if err != nil || replayed || ex.AssistantMessage.Content != "Yes, we are here." || len(w.ans.got) != 2 {
		t.Fatalf("retry after a failure: replayed %v, exchange %+v, %d answers, %v; want a second answer", replayed, ex, len(w.ans.got), err)
	}
}
