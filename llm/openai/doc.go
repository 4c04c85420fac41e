// Package openai implements llm.ChatModel and llm.Embedder against any OpenAI-compatible server
// (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp) using github.com/sashabaranov/go-openai.
//
// The library has no retries and no timeouts of its own, so this package adds them: every request
// goes through a retrying http.RoundTripper (429, 408 and 5xx, honouring Retry-After) and runs
// under a per-request deadline. The transport decides on the response status before anyone reads
// the body, so a stream that has started delivering tokens is never replayed.
//
// Errors end as llm.ErrTimeout (the server did not answer in time) or llm.ErrUpstream (the server
// answered with an error, or the connection broke); *UpstreamError carries the status code and the
// server's message. A cancelled caller context is returned as is, so a client that went away is
// not reported as a model failure.
//
// The package openaitest runs a fake server that speaks the same wire format, for tests.
package openai
