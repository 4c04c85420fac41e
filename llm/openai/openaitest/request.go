package openaitest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Request is one request the server received, with the fields tests usually assert on decoded.
type Request struct {
	Method string
	Path   string // "/v1/chat/completions", or "/openai/deployments/NAME/chat/completions" for Azure
	Query  url.Values
	Header http.Header
	Body   []byte // the raw JSON body

	// Chat completion fields.
	Model               string
	Messages            []Message
	Stream              bool
	IncludeUsage        bool     // stream_options.include_usage
	Temperature         *float64 // nil when the client omitted it
	MaxTokens           int
	MaxCompletionTokens int

	// Embedding fields (Model too).
	Input      []string
	Dimensions int
}

// Message is one chat message as received.
type Message struct {
	Role    string
	Content string
}

// IsChat reports whether r was a chat completion request.
func (r Request) IsChat() bool { return strings.HasSuffix(r.Path, "/chat/completions") }

// IsEmbedding reports whether r was an embeddings request.
func (r Request) IsEmbedding() bool { return strings.HasSuffix(r.Path, "/embeddings") }

// Prompt joins the contents of all messages with newlines: the text to search when asserting
// what a caller sent to the model.
func (r Request) Prompt() string {
	parts := make([]string, len(r.Messages))
	for i, m := range r.Messages {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n")
}

// LastUserMessage returns the content of the last message with role "user".
func (r Request) LastUserMessage() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Content
		}
	}
	return ""
}

// wireRequest is the union of the chat and embeddings request bodies.
type wireRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Temperature         *float64        `json:"temperature"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
	Input               json.RawMessage `json:"input"`
	Dimensions          int             `json:"dimensions"`
}

func parseRequest(r *http.Request, body []byte) Request {
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	var w wireRequest
	if json.Unmarshal(body, &w) != nil {
		return req // recorded as received; the handler answers by path
	}
	req.Model, req.Stream, req.Temperature = w.Model, w.Stream, w.Temperature
	req.MaxTokens, req.MaxCompletionTokens, req.Dimensions = w.MaxTokens, w.MaxCompletionTokens, w.Dimensions
	req.IncludeUsage = w.StreamOptions != nil && w.StreamOptions.IncludeUsage
	for _, m := range w.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: contentText(m.Content)})
	}
	req.Input = inputTexts(w.Input)
	return req
}

// contentText accepts a plain string or the array-of-parts form, keeping the text parts.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// inputTexts accepts the string and array-of-strings forms of "input".
func inputTexts(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}
