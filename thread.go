package lorebase

import (
	"encoding/json"
	"time"
)

// ThreadKind tells anonymous visitor sessions from known-customer conversations.
type ThreadKind string

// Thread kinds.
const (
	ThreadSession      ThreadKind = "session"
	ThreadConversation ThreadKind = "conversation"
)

// Thread is a session or a conversation: an ordered list of messages with one assistant.
type Thread struct {
	ID             string          `json:"id"`
	OrganizationID string          `json:"organization_id"`
	Kind           ThreadKind      `json:"-"`
	AssistantID    string          `json:"assistant_id"`
	VisitorID      string          `json:"visitor_id,omitempty"`
	CustomerID     string          `json:"customer_id,omitempty"`
	Title          string          `json:"title,omitempty"`
	Locale         string          `json:"locale"`
	UserContextRef string          `json:"user_context_id,omitempty"`
	Metadata       json.RawMessage `json:"metadata"`
	WidgetClientID string          `json:"-"`
	WidgetSubject  string          `json:"-"`
	ExpiresAt      *time.Time      `json:"expires_at,omitempty"`
	MessageCount   int             `json:"message_count"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// Message senders.
const (
	SenderUser      = "user"
	SenderAssistant = "assistant"
)

// Message is one turn of a thread.
type Message struct {
	ID        string          `json:"id"`
	ThreadID  string          `json:"-"`
	Content   string          `json:"content"`
	Sender    string          `json:"sender"`
	CreatedAt time.Time       `json:"created_at"`
	Sources   []Source        `json:"sources"`
	Metadata  json.RawMessage `json:"metadata"`
}

// Source is a piece of knowledge an answer cites.
type Source struct {
	Type        KnowledgeType `json:"type" doc:"file, qa or url"`
	KnowledgeID string        `json:"knowledge_id"`
	Title       string        `json:"title"`
	Snippet     string        `json:"snippet"`
	URL         string        `json:"url"`
	Page        int           `json:"page"`
	Score       float64       `json:"score"`
}

// UserContext holds what is known about a customer, used to personalise answers.
type UserContext struct {
	ID            string          `json:"id"`
	UserReference string          `json:"user_reference"`
	Traits        json.RawMessage `json:"traits"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}
