package openai

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// Defaults applied by NewChat and NewEmbedder to zero Config fields.
const (
	BaseURLDefault         = "https://api.openai.com/v1"
	ChatModelDefault       = "gpt-4o-mini"
	EmbeddingModelDefault  = "text-embedding-3-small"
	TimeoutDefault         = 60 * time.Second
	MaxRetriesDefault      = 3
	RetryDelayDefault      = 500 * time.Millisecond
	BatchSizeDefault       = 256
	AzureAPIVersionDefault = "2024-10-21" // the first GA version that accepts stream_options
)

// emptyMessagesLimit is generous because only the idle timeout should end a quiet stream.
const (
	emptyMessagesLimit = 10_000
)

// Config configures a Chat or an Embedder. Zero values take the defaults above.
type Config struct {
	// BaseURL of the API, including the version path for OpenAI-style servers
	// ("http://localhost:11434/v1"); for Azure the resource endpoint
	// ("https://NAME.openai.azure.com").
	BaseURL string
	// APIKey is sent as a bearer token (as the api-key header for Azure). Empty sends no
	// authentication header, as local servers expect.
	APIKey string
	// ChatModel is the model name, or the deployment name for Azure.
	ChatModel string
	// EmbeddingModel is the model name, or the deployment name for Azure.
	EmbeddingModel string
	// Dimensions is the embedding length. When set it is sent to the API (models that support
	// shortening honour it) and every returned vector is checked against it; 0 accepts whatever
	// the model returns but checks it stays the same across calls.
	Dimensions int
	// Temperature and MaxTokens apply when a ChatRequest leaves them zero.
	Temperature float32
	MaxTokens   int
	// Timeout bounds one request: a whole Chat call or embedding batch, retries included; for
	// Stream, the wait for the first chunk and every gap between chunks, so a long but steady
	// answer is not cut off.
	Timeout time.Duration
	// MaxRetries is how many times a failed request is retried; negative disables retries.
	MaxRetries int
	// RetryDelay is the first backoff step; it doubles per attempt (with jitter) up to 30s.
	// Retry-After from the server takes precedence.
	RetryDelay time.Duration
	// Azure selects the Azure OpenAI URL layout and api-key authentication.
	Azure           bool
	AzureAPIVersion string
	// BatchSize is the most embedding inputs sent in one request.
	BatchSize int
	// HTTPClient is copied and its transport wrapped with retries; nil uses a plain client.
	// A Client.Timeout here would also cut long streams: prefer Config.Timeout.
	HTTPClient *http.Client
}

func (cfg Config) withDefaults() (Config, error) {
	if cfg.BaseURL == "" && !cfg.Azure {
		cfg.BaseURL = BaseURLDefault
	}
	cfg.ChatModel = cmp.Or(cfg.ChatModel, ChatModelDefault)
	cfg.EmbeddingModel = cmp.Or(cfg.EmbeddingModel, EmbeddingModelDefault)
	cfg.Timeout = cmp.Or(cfg.Timeout, TimeoutDefault)
	cfg.MaxRetries = cmp.Or(cfg.MaxRetries, MaxRetriesDefault)
	cfg.MaxRetries = max(cfg.MaxRetries, 0)
	cfg.RetryDelay = cmp.Or(cfg.RetryDelay, RetryDelayDefault)
	cfg.AzureAPIVersion = cmp.Or(cfg.AzureAPIVersion, AzureAPIVersionDefault)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, BatchSizeDefault)

	if cfg.BaseURL == "" {
		return cfg, errors.New("openai: Azure needs BaseURL (https://NAME.openai.azure.com)")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("openai: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	switch {
	case cfg.Dimensions < 0:
		return cfg, fmt.Errorf("openai: Dimensions %d is negative", cfg.Dimensions)
	case cfg.MaxTokens < 0:
		return cfg, fmt.Errorf("openai: MaxTokens %d is negative", cfg.MaxTokens)
	case cfg.Temperature < 0 || cfg.Temperature > 2:
		return cfg, fmt.Errorf("openai: Temperature %v is outside [0, 2]", cfg.Temperature)
	case cfg.Timeout < 0 || cfg.RetryDelay < 0:
		return cfg, errors.New("openai: Timeout and RetryDelay must not be negative")
	case cfg.BatchSize < 0:
		return cfg, fmt.Errorf("openai: BatchSize %d is negative", cfg.BatchSize)
	}
	return cfg, nil
}

// newClient builds the go-openai client with the retrying transport; the transport is returned
// too so tests can replace its clock.
func newClient(cfg Config) (*goopenai.Client, *retryTransport) {
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient // a copy: the caller's client keeps its own transport
	}
	rt := newRetryTransport(hc.Transport, cfg.MaxRetries, cfg.RetryDelay)
	hc.Transport = rt

	var oc goopenai.ClientConfig
	if cfg.Azure {
		oc = goopenai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		oc.APIVersion = cfg.AzureAPIVersion
		// The configured model names are deployment names: use them verbatim, not the
		// library's guess of dropping dots from GPT-3.5 names.
		oc.AzureModelMapperFunc = func(model string) string { return model }
	} else {
		oc = goopenai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = cfg.BaseURL
	}
	oc.HTTPClient = &hc
	// Keep-alive comments and blank lines count toward this limit within one Recv; servers that
	// ping while a slow model thinks would trip the default 300. The idle timeout bounds the wait.
	oc.EmptyMessagesLimit = emptyMessagesLimit
	return goopenai.NewClientWithConfig(oc), rt
}
