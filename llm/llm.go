// Package llm declares what the answer path needs from a language model and an embedding model.
// Implementations live in subpackages: llm/openai talks to any OpenAI-compatible server,
// llm/offline answers and embeds with no network and no downloaded weights.
package llm

import (
	"context"
	"errors"
)

// Role of a chat message.
type Role string

const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one chat turn sent to the model.
type Message struct {
	Role    Role
	Content string
}

// Passage is a retrieved piece of knowledge given to the model as numbered evidence; offline
// answerers read them directly instead of parsing the prompt.
type Passage struct {
	N     int // 1-based number the model cites as [N]
	Title string
	Text  string
	// Context is what Text answers or is about but must not be quoted as the answer: the
	// curated question of a Q&A pair, whose Text is the answer alone, or the headings of a
	// document's section. Extractive answerers match on it.
	Context string
}

// ChatRequest is one completion request.
type ChatRequest struct {
	Messages    []Message
	Passages    []Passage // the same passages the prompt holds, for answerers that need them
	Question    string    // the standalone question, for answerers that need it
	Temperature float32
	MaxTokens   int
}

// Usage counts tokens as reported by the model server (estimated by offline models).
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}

// ChatResponse is a finished completion.
type ChatResponse struct {
	Content string
	Model   string
	Usage   Usage
}

// ChatModel produces completions. Stream calls onToken for every piece of text as it arrives
// and returns the whole response at the end; onToken errors abort the stream.
type ChatModel interface {
	Chat(ctx context.Context, req ChatRequest) (ChatResponse, error)
	Stream(ctx context.Context, req ChatRequest, onToken func(string) error) (ChatResponse, error)
	Name() string
}

// Embedder turns texts into vectors of a fixed dimension, one per input, in input order.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Model() string   // recorded with every stored vector
	Dimensions() int // the length of every vector
}

// Errors a model call can end with; the API maps them to 502 and 504.
var (
	ErrUpstream = errors.New("model server error")
	ErrTimeout  = errors.New("model server timed out")
)
