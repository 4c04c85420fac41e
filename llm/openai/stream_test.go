package openai

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
)

// collect returns an onToken that records tokens.
func collect() (func(string) error, func() []string) {
	var mu sync.Mutex
	var toks []string
	return func(s string) error {
			mu.Lock()
			defer mu.Unlock()
			toks = append(toks, s)
			return nil
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), toks...)
		}
}

func TestStreamDeliversTokensAsTheyArrive(t *testing.T) {
	t.Parallel()
	firstToken := make(chan struct{})
	var once sync.Once
	const reply = "Lorebase answers questions from your own documents."
	waitedOK := make(chan bool, 1)
	srv := openaitest.NewServer(t, openaitest.Options{
		Reply: func(openaitest.Request) string { return reply },
		// Hold the last chunk until the client has handed the first token to onToken. A client
		// that buffered the whole answer would never see it, and this wait would fail.
		BeforeChunk: func(i, n int) {
			if i != n-1 {
				return
			}
			select {
			case <-firstToken:
				waitedOK <- true
			case <-time.After(5 * time.Second): // liveness guard only
				waitedOK <- false
			}
		},
	})
	chat, _ := newTestChat(t, testConfig(srv))

	var toks []string
	resp, err := chat.Stream(context.Background(), question("q"), func(s string) error {
		toks = append(toks, s)
		once.Do(func() { close(firstToken) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !<-waitedOK {
		t.Fatal("the first token did not reach onToken before the server sent the last chunk")
	}
	if resp.Content != reply || strings.Join(toks, "") != reply || len(toks) != len(openaitest.SplitTokens(reply)) {
		t.Errorf("content %q, tokens %q", resp.Content, toks)
	}
	// Usage comes from the final usage-only chunk, which the client must have asked for.
	if resp.Usage.CompletionTokens != len(toks) || resp.Usage.PromptTokens == 0 || resp.Model != "test-chat" {
		t.Errorf("resp = %+v", resp)
	}
	if r := srv.ChatRequests()[0]; !r.Stream || !r.IncludeUsage {
		t.Errorf("stream %v, include_usage %v", r.Stream, r.IncludeUsage)
	}
}

func TestStreamSkipsKeepAliveLines(t *testing.T) {
	t.Parallel()
	// More consecutive keep-alives than go-openai's default EmptyMessagesLimit of 300.
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{KeepAlives: 400}}})
	chat, _ := newTestChat(t, testConfig(srv))

	onToken, _ := collect()
	resp, err := chat.Stream(context.Background(), question("q"), onToken)
	if err != nil || resp.Content != openaitest.DefaultReply {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

func TestStreamDroppedMidwayIsUpstreamAndNotRetried(t *testing.T) {
	t.Parallel()
	for name, step := range map[string]openaitest.Step{
		"connection reset": {Drop: true, After: 2},
		"clean end":        {Drop: true, DropCleanly: true, After: 2},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{step}})
			chat, slept := newTestChat(t, testConfig(srv))

			onToken, toks := collect()
			resp, err := chat.Stream(context.Background(), question("q"), onToken)
			if !errors.Is(err, llm.ErrUpstream) || errors.Is(err, llm.ErrTimeout) {
				t.Fatalf("err = %v, want ErrUpstream", err)
			}
			if got := toks(); len(got) != 2 || resp.Content != strings.Join(got, "") {
				t.Errorf("tokens %q, partial content %q", got, resp.Content)
			}
			// The user already saw two tokens: replaying the request would repeat them.
			if n := len(srv.Requests()); n != 1 || len(slept.got()) != 0 {
				t.Errorf("server got %d requests and client slept %v; a started stream must not be retried", n, slept.got())
			}
		})
	}
}

func TestStreamRetriesBeforeItStarts(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Status: 503, Message: "overloaded"}}})
	chat, slept := newTestChat(t, testConfig(srv))

	onToken, _ := collect()
	resp, err := chat.Stream(context.Background(), question("q"), onToken)
	if err != nil || resp.Content != openaitest.DefaultReply {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if n := len(srv.Requests()); n != 2 || len(slept.got()) != 1 {
		t.Errorf("requests %d, sleeps %v", n, slept.got())
	}
}

func TestStreamErrorStatus(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Status: 404, Message: "model 'nope' not found"}}})
	chat, _ := newTestChat(t, testConfig(srv))

	onToken, _ := collect()
	_, err := chat.Stream(context.Background(), question("q"), onToken)
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.StatusCode != 404 || !strings.Contains(err.Error(), "model 'nope' not found") {
		t.Fatalf("err = %v", err)
	}
}

func TestStreamStalledMidwayTimesOut(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Stall: true, After: 1}}})
	cfg := testConfig(srv)
	cfg.Timeout = 150 * time.Millisecond
	chat, _ := newTestChat(t, cfg)

	onToken, toks := collect()
	_, err := chat.Stream(context.Background(), question("q"), onToken)
	if !errors.Is(err, llm.ErrTimeout) || errors.Is(err, llm.ErrUpstream) {
		t.Fatalf("err = %v, want ErrTimeout only", err)
	}
	if len(toks()) != 1 || len(srv.Requests()) != 1 {
		t.Errorf("tokens %q, requests %d", toks(), len(srv.Requests()))
	}
}

func TestStreamSlowButSteadyIsNotCutOff(t *testing.T) {
	t.Parallel()
	// Each gap is well under Timeout but the whole answer takes longer than it: the timeout
	// is an idle timeout, so the answer completes.
	srv := openaitest.NewServer(t, openaitest.Options{
		Reply:       func(openaitest.Request) string { return "one two three four five six" },
		BeforeChunk: func(int, int) { time.Sleep(60 * time.Millisecond) },
	})
	cfg := testConfig(srv)
	cfg.Timeout = 300 * time.Millisecond
	chat, _ := newTestChat(t, cfg)

	onToken, _ := collect()
	resp, err := chat.Stream(context.Background(), question("q"), onToken)
	if err != nil || resp.Content != "one two three four five six" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

func TestStreamOnTokenErrorAborts(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{})
	chat, _ := newTestChat(t, testConfig(srv))

	stop := errors.New("client went away")
	calls := 0
	_, err := chat.Stream(context.Background(), question("q"), func(string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err = %v after %d calls, want the onToken error after 1", err, calls)
	}
}

func TestStreamDoesNotWaitRetryAfterPastItsTimeout(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Options{Script: []openaitest.Step{{Status: 429, Message: "slow down", RetryAfter: "30"}}})
	cfg := testConfig(srv) // Timeout 5s
	chat, slept := newTestChat(t, cfg)

	onToken, _ := collect()
	_, err := chat.Stream(context.Background(), question("q"), onToken)
	var ue *UpstreamError
	if !errors.As(err, &ue) || ue.StatusCode != 429 || len(slept.got()) != 0 {
		t.Fatalf("err = %v after sleeping %v; want the 429 at once", err, slept.got())
	}
}
