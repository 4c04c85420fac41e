package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/llm/openai"
)

// modelOptions choose the embedding model and the chat model. "auto" uses the
// OpenAI-compatible server when OPENAI_BASE_URL or OPENAI_API_KEY is set, else the built-in
// offline models, so the whole flow works with no model server.
type modelOptions struct {
	embedder       string
	llm            string
	baseURL        string
	apiKey         string
	azure          bool
	embeddingModel string
	embeddingDims  int
	chatModel      string
	temperature    float64
	maxTokens      int
	timeout        time.Duration
}

func (o *modelOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.embedder, "embedder", envOr("LOREBASE_EMBEDDER", "auto"), "auto, offline or openai ($LOREBASE_EMBEDDER)")
	f.StringVar(&o.llm, "llm", envOr("LOREBASE_LLM", "auto"), "auto, offline or openai ($LOREBASE_LLM)")
	f.StringVar(&o.baseURL, "openai-base-url", os.Getenv("OPENAI_BASE_URL"), "OpenAI-compatible server, e.g. http://localhost:11434/v1 ($OPENAI_BASE_URL)")
	f.StringVar(&o.apiKey, "openai-api-key", os.Getenv("OPENAI_API_KEY"), "API key of that server ($OPENAI_API_KEY); never logged")
	f.BoolVar(&o.azure, "azure", envBool("LOREBASE_AZURE"), "the server is Azure OpenAI ($LOREBASE_AZURE)")
	f.StringVar(&o.embeddingModel, "embedding-model", envOr("LOREBASE_EMBEDDING_MODEL", openai.EmbeddingModelDefault), "embedding model on the server ($LOREBASE_EMBEDDING_MODEL)")
	f.IntVar(&o.embeddingDims, "embedding-dims", envInt("LOREBASE_EMBEDDING_DIMS", 0), "embedding dimension (offline default 384; server: as the model returns) ($LOREBASE_EMBEDDING_DIMS)")
	f.StringVar(&o.chatModel, "chat-model", envOr("LOREBASE_CHAT_MODEL", openai.ChatModelDefault), "chat model on the server ($LOREBASE_CHAT_MODEL)")
	f.Float64Var(&o.temperature, "temperature", 0.2, "sampling temperature of the chat model")
	f.IntVar(&o.maxTokens, "max-tokens", 700, "longest answer, in tokens")
	f.DurationVar(&o.timeout, "llm-timeout", 60*time.Second, "per-request timeout of the model server")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func (o *modelOptions) serverConfigured() bool { return o.baseURL != "" || o.apiKey != "" }

func (o *modelOptions) use(choice string) (bool, error) {
	switch choice {
	case "auto":
		return o.serverConfigured(), nil
	case "openai":
		if !o.serverConfigured() {
			return false, fmt.Errorf("openai chosen but neither --openai-base-url nor --openai-api-key is set")
		}
		return true, nil
	case "offline":
		return false, nil
	}
	return false, fmt.Errorf("%q: choose auto, offline or openai", choice)
}

func (o *modelOptions) openaiConfig() openai.Config {
	return openai.Config{BaseURL: o.baseURL, APIKey: o.apiKey, Azure: o.azure, ChatModel: o.chatModel,
		EmbeddingModel: o.embeddingModel, Dimensions: o.embeddingDims, Temperature: float32(o.temperature),
		MaxTokens: o.maxTokens, Timeout: o.timeout}
}

// newEmbedder builds the configured embedder. A server model whose dimension is not given is
// probed once, because the vector index needs the dimension before the first chunk is stored.
func (o *modelOptions) newEmbedder(cmd *cobra.Command) (llm.Embedder, error) {
	remote, err := o.use(o.embedder)
	if err != nil {
		return nil, fmt.Errorf("--embedder %w", err)
	}
	if !remote {
		return offline.NewEmbedder(o.embeddingDims), nil
	}
	e, err := openai.NewEmbedder(o.openaiConfig())
	if err != nil {
		return nil, err
	}
	if e.Dimensions() == 0 {
		if _, err := e.Embed(cmd.Context(), []string{"dimension probe"}); err != nil {
			return nil, fmt.Errorf("probe the embedding model's dimension (or set --embedding-dims): %w", err)
		}
	}
	return e, nil
}

// extractive reports the built-in extractive answerer, which the answer engine must know about
// (it only quotes, so it neither rewrites follow-ups nor rephrases curated answers).
func extractive(chat llm.ChatModel) bool {
	_, ok := chat.(*offline.Answerer)
	return ok
}

// newChatModel builds the configured chat model.
func (o *modelOptions) newChatModel() (llm.ChatModel, error) {
	remote, err := o.use(o.llm)
	if err != nil {
		return nil, fmt.Errorf("--llm %w", err)
	}
	if !remote {
		return offline.NewAnswerer(offline.AnswererConfig{}), nil
	}
	return openai.NewChat(o.openaiConfig())
}
