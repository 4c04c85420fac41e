package offline

import (
	"context"
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/lorebase/lorebase/llm"
	"github.com/lorebase/lorebase/textkit"
)

// AnswererName is what Name reports and what responses record as their model.
const AnswererName = "lorebase-extractive-v1"

// AnswererConfig tunes extraction; zero values take the defaults (textkit.MaxSentencesDefault, ...).
type AnswererConfig = textkit.ExtractConfig

// Answerer is an extractive llm.ChatModel: it quotes sentences from the request's passages and
// never writes text of its own. It is safe for concurrent use.
type Answerer struct {
	cfg AnswererConfig
}

var _ llm.ChatModel = (*Answerer)(nil)

// NewAnswerer returns an Answerer; zero or negative config fields take the defaults.
func NewAnswerer(cfg AnswererConfig) *Answerer {
	return &Answerer{cfg: cfg.WithDefaults()}
}

// Extract quotes the sentences of passages that best answer question (textkit.Extract with the
// answerer's configuration).
func (a *Answerer) Extract(question string, passages []llm.Passage) textkit.Extraction {
	ps := make([]textkit.Passage, len(passages))
	for i, p := range passages {
		ps[i] = textkit.Passage{N: p.N, Text: p.Text}
	}
	return textkit.Extract(question, ps, a.cfg)
}

// Name returns AnswererName.
func (a *Answerer) Name() string { return AnswererName }

// Chat answers req.Question (or, when empty, the last user message) from req.Passages.
// Empty Content means the passages do not answer the question.
func (a *Answerer) Chat(ctx context.Context, req llm.ChatRequest) (llm.ChatResponse, error) {
	if err := ctx.Err(); err != nil {
		return llm.ChatResponse{}, err
	}
	ext := a.Extract(question(req), req.Passages)
	return llm.ChatResponse{Content: ext.Text, Model: AnswererName, Usage: usage(req, ext.Text)}, nil
}

// Stream sends the answer of Chat word by word; the pieces concatenate to Content exactly.
func (a *Answerer) Stream(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatResponse, error) {
	resp, err := a.Chat(ctx, req)
	if err != nil {
		return llm.ChatResponse{}, err
	}
	for _, piece := range streamPieces(resp.Content) {
		if err := ctx.Err(); err != nil {
			return llm.ChatResponse{}, err
		}
		if err := onToken(piece); err != nil {
			return llm.ChatResponse{}, err
		}
	}
	return resp, nil
}

func question(req llm.ChatRequest) string {
	if req.Question != "" {
		return req.Question
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == llm.RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}

// usage estimates tokens as 1.3 per word, the usual ratio for BPE tokenisers on English.
func usage(req llm.ChatRequest, answer string) llm.Usage {
	words := 0
	for _, m := range req.Messages {
		words += textkit.CountWords(m.Content)
	}
	if len(req.Messages) == 0 {
		words += textkit.CountWords(req.Question)
		for _, p := range req.Passages {
			words += textkit.CountWords(p.Title) + textkit.CountWords(p.Text)
		}
	}
	est := func(n int) int { return int(math.Ceil(float64(n) * 1.3)) }
	return llm.Usage{PromptTokens: est(words), CompletionTokens: est(textkit.CountWords(answer))}
}

// streamPieces splits s into words with their trailing spaces, and CJK text into characters,
// which is how a model would stream it.
func streamPieces(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := i + size
		if textkit.IsCJK(r) {
			if i > start {
				out = append(out, s[start:i])
			}
			// keep the punctuation right after a CJK character in the same piece
			for end < len(s) {
				r2, s2 := utf8.DecodeRuneInString(s[end:])
				if textkit.IsCJK(r2) || unicode.IsLetter(r2) || unicode.IsDigit(r2) || unicode.IsSpace(r2) {
					break
				}
				end += s2
			}
			out = append(out, s[i:end])
			start = end
		} else if unicode.IsSpace(r) {
			for end < len(s) {
				r2, s2 := utf8.DecodeRuneInString(s[end:])
				if !unicode.IsSpace(r2) {
					break
				}
				end += s2
			}
			out = append(out, s[start:end])
			start = end
		}
		i = end
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
