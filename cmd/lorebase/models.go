package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/answer"
	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/llm/openai"
	"github.com/lorebase/lorebase/llm/rerank"
	"github.com/lorebase/lorebase/wordnet"
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
	wordnetDir     string
	rerankURL      string
	rerankFormat   string
	rerankModel    string
	rerankAPIKey   string
}

func (o *modelOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.wordnetDir, "wordnet-dir", envOr("LOREBASE_WORDNET_DIR", wordnet.DefaultDir),
		"WordNet 3.0 database (Debian's wordnet-base) for English FAQ matching by base form and synonym; \"off\": exact words only ($LOREBASE_WORDNET_DIR)")
	f.StringVar(&o.rerankURL, "rerank-url", os.Getenv("LOREBASE_RERANK_URL"),
		"reranking endpoint, e.g. http://localhost:8080/rerank (TEI); empty: no reranking ($LOREBASE_RERANK_URL)")
	f.StringVar(&o.rerankFormat, "rerank-format", envOr("LOREBASE_RERANK_FORMAT", rerank.FormatTEI), "wire format of --rerank-url: tei, cohere or jina; chat: the chat model ranks the passages, no URL ($LOREBASE_RERANK_FORMAT)")
	f.StringVar(&o.rerankModel, "rerank-model", os.Getenv("LOREBASE_RERANK_MODEL"), "reranking model (cohere and jina formats) ($LOREBASE_RERANK_MODEL)")
	f.StringVar(&o.rerankAPIKey, "rerank-api-key", os.Getenv("LOREBASE_RERANK_API_KEY"), "API key of the reranking server ($LOREBASE_RERANK_API_KEY); never logged")
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

// thesaurus loads WordNet from --wordnet-dir for FAQ matching. Without it matching still
// works, on exact words and stems, and the log says so.
func (o *modelOptions) thesaurus(logger *slog.Logger) *wordnet.Thesaurus {
	if o.wordnetDir == "" || o.wordnetDir == "off" {
		logger.Info("wordnet off: FAQ matching uses exact words and stems")
		return nil
	}
	start := time.Now()
	t, err := wordnet.Load(o.wordnetDir, 0)
	if err != nil {
		logger.Warn("wordnet unavailable: FAQ matching uses exact words and stems (install wordnet-base, or set --wordnet-dir)",
			slog.String("dir", o.wordnetDir), slog.String("error", err.Error()))
		return nil
	}
	logger.Info("wordnet loaded", slog.String("dir", o.wordnetDir), slog.Int("words", t.Len()),
		slog.Duration("took", time.Since(start)))
	return t
}

// reranker is the reranking model server, or the chat model with --rerank-format chat; nil
// when none is configured (the default).
func (o *modelOptions) reranker(logger *slog.Logger, chat llm.ChatModel) (rerank.Reranker, error) {
	if o.rerankFormat == rerank.FormatChat {
		if chat == nil || extractive(chat) {
			return nil, fmt.Errorf("%w: --rerank-format chat needs a chat model server (the offline answerer cannot rank)", lorebase.ErrInvalid)
		}
		logger.Info("reranker", slog.String("format", rerank.FormatChat), slog.String("model", chat.Name()))
		return rerank.NewChat(chat), nil
	}
	if o.rerankURL == "" {
		return nil, nil
	}
	c, err := rerank.New(rerank.Config{URL: o.rerankURL, Format: o.rerankFormat, Model: o.rerankModel, APIKey: o.rerankAPIKey, Timeout: o.timeout})
	if err != nil {
		return nil, err
	}
	logger.Info("reranker", slog.String("format", o.rerankFormat), slog.String("model", c.Name()))
	return c, nil
}

// answerConfig is the answer engine's model-dependent configuration.
func (o *modelOptions) answerConfig(logger *slog.Logger, chat llm.ChatModel) (answer.Config, error) {
	rr, err := o.reranker(logger, chat)
	if err != nil {
		return answer.Config{}, err
	}
	cfg := answer.Config{Thesaurus: o.thesaurus(logger), Logger: logger, Extractive: extractive(chat)}
	if rr != nil {
		cfg.Reranker = rr
	}
	return cfg, nil
}
