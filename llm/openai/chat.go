package openai

import (
	"context"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/lorebase/lorebase/llm"
)

// zeroTemperature stands in for 0, which go-openai drops with omitempty (servers then default to
// 1). vLLM treats anything below 1e-5 as greedy; OpenAI and llama.cpp sample near-greedily.
const zeroTemperature float32 = 1e-6

// Chat is an llm.ChatModel backed by an OpenAI-compatible chat completions endpoint. It is safe
// for concurrent use.
type Chat struct {
	cfg    Config
	client *goopenai.Client
	rt     *retryTransport
	errs   errorMapper
}

var _ llm.ChatModel = (*Chat)(nil)

// NewChat returns a Chat for cfg.ChatModel.
func NewChat(cfg Config) (*Chat, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client, rt := newClient(cfg)
	return &Chat{cfg: cfg, client: client, rt: rt, errs: errorMapper{apiKey: cfg.APIKey, timeout: cfg.Timeout}}, nil
}

// Name returns the configured model (or Azure deployment) name.
func (c *Chat) Name() string { return c.cfg.ChatModel }

// Chat sends one non-streaming completion request. Timeout bounds the whole call, retries
// included.
func (c *Chat) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	resp, err := c.client.CreateChatCompletion(callCtx, c.request(req))
	if err != nil {
		return llm.ChatResponse{}, c.errs.mapErr(ctx, callCtx, "chat", err)
	}
	if len(resp.Choices) == 0 {
		return llm.ChatResponse{}, upstreamf("chat", "response has no choices")
	}
	return llm.ChatResponse{
		Content: resp.Choices[0].Message.Content,
		Model:   c.modelOr(resp.Model),
		Usage:   llm.Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens},
	}, nil
}

// request translates an llm.ChatRequest; request values win over Config values when set.
func (c *Chat) request(req llm.ChatRequest) goopenai.ChatCompletionRequest {
	msgs := make([]goopenai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = goopenai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content}
	}
	out := goopenai.ChatCompletionRequest{Model: c.cfg.ChatModel, Messages: msgs}

	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = c.cfg.MaxTokens
	}
	temperature := req.Temperature
	if temperature <= 0 {
		temperature = c.cfg.Temperature
	}

	if isReasoningModel(c.cfg.ChatModel) {
		// Reasoning models reject max_tokens and any temperature but the default; go-openai
		// refuses such requests before sending them.
		out.MaxCompletionTokens = maxTokens
		return out
	}
	out.MaxTokens = maxTokens // still the field every compatible server understands
	if temperature <= 0 {
		temperature = zeroTemperature
	}
	out.Temperature = temperature
	return out
}

// isReasoningModel mirrors the prefixes go-openai validates as reasoning models.
func isReasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func (c *Chat) modelOr(model string) string {
	if model == "" {
		return c.cfg.ChatModel
	}
	return model
}
