package openai

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/lorebase/lorebase/llm"
)

// errIdle is the cancellation cause when a stream goes quiet for longer than Timeout.
var errIdle = errors.New("stream idle timeout")

// Stream sends a streaming completion request and calls onToken for every content delta as it
// arrives. Timeout bounds the wait for the first chunk and each gap between chunks, not the whole
// answer. The stream is never retried once it has begun, and one that ends before the model
// reports a finish reason is an llm.ErrUpstream. On error the response holds the text received so
// far.
func (c *Chat) Stream(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatResponse, error) {
	callCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := time.AfterFunc(c.cfg.Timeout, func() { cancel(errIdle) })
	defer idle.Stop()

	creq := c.request(req)
	creq.StreamOptions = &goopenai.StreamOptions{IncludeUsage: true}
	startCtx := withRetryDeadline(callCtx, time.Now().Add(c.cfg.Timeout))
	stream, err := c.client.CreateChatCompletionStream(startCtx, creq)
	if err != nil {
		return llm.ChatResponse{}, c.streamErr(ctx, callCtx, err)
	}
	defer stream.Close()

	var (
		text     strings.Builder
		resp     = llm.ChatResponse{Model: c.cfg.ChatModel}
		finished bool
	)
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			resp.Content = text.String()
			return resp, c.streamErr(ctx, callCtx, err)
		}
		idle.Reset(c.cfg.Timeout)

		if chunk.Model != "" {
			resp.Model = chunk.Model
		}
		// With include_usage the last chunk carries usage and no choices.
		if chunk.Usage != nil {
			resp.Usage = llm.Usage{PromptTokens: chunk.Usage.PromptTokens, CompletionTokens: chunk.Usage.CompletionTokens}
		}
		for _, choice := range chunk.Choices {
			if choice.Index != 0 {
				continue // only one completion is requested; ignore any stray ones
			}
			if choice.FinishReason != "" {
				finished = true
			}
			if choice.Delta.Content == "" {
				continue
			}
			text.WriteString(choice.Delta.Content)
			if err := onToken(choice.Delta.Content); err != nil {
				resp.Content = text.String()
				return resp, err
			}
		}
	}
	resp.Content = text.String()
	// A server that dies mid-answer may still end the HTTP response cleanly; only the finish
	// reason tells a complete answer from a truncated one.
	if !finished {
		return resp, upstreamf("stream", "stream ended before the model finished (%d bytes received)", len(resp.Content))
	}
	return resp, nil
}

func (c *Chat) streamErr(ctx, callCtx context.Context, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) && callCtx.Err() == nil {
		return &UpstreamError{Op: "stream", Message: "connection dropped mid-stream", Err: err}
	}
	return c.errs.mapErr(ctx, callCtx, "stream", err)
}
