package lorebase

import "time"

// Feedback kinds: a visitor's rating of a whole session, or a thumb on one assistant message.
const (
	FeedbackSession = "session"
	FeedbackMessage = "message"

	FeedbackPositive = "positive"
	FeedbackNegative = "negative"
)

// AuthorKind says who gave feedback.
type AuthorKind string

// Feedback authors.
const (
	AuthorWidget    AuthorKind = "widget"     // a widget visitor: its client and visitor subject
	AuthorAPIClient AuthorKind = "api_client" // an API client
)

// Feedback is what a visitor or an API client said about a session or an answer. There is at
// most one per session and one per message: a second replaces the first.
type Feedback struct {
	ID             string     `json:"id"`
	OrganizationID string     `json:"-"`
	Type           string     `json:"type" doc:"session or message"`
	Rating         *int       `json:"rating" doc:"1-5, session feedback"`
	FeedbackType   *string    `json:"feedback_type" doc:"positive or negative, message feedback"`
	Comment        string     `json:"comment"`
	AssistantID    string     `json:"assistant_id"`
	ThreadID       string     `json:"thread_id"`
	ThreadKind     ThreadKind `json:"thread_kind" doc:"session or conversation"`
	MessageID      *string    `json:"message_id"`
	// Who: a widget visitor (its client and visitor subject) or an API client.
	AuthorKind     AuthorKind `json:"author_kind" doc:"widget or api_client"`
	AuthorClientID string     `json:"author_client_id"`
	AuthorVisitor  string     `json:"author_visitor,omitempty"`
	CreatedAt      time.Time  `json:"created_at" doc:"when the first feedback was given"`
	UpdatedAt      time.Time  `json:"updated_at" doc:"when the current feedback was given"`
	// For message feedback, filled by listings: the question answered, the answer and its sources.
	Question *string  `json:"question"`
	Answer   *string  `json:"answer"`
	Sources  []Source `json:"sources"`
	Grounded *bool    `json:"grounded"`
}

// FeedbackFilter narrows a feedback listing; zero values match everything.
type FeedbackFilter struct {
	AssistantID  string
	Type         string // session or message
	FeedbackType string // positive or negative
	From, To     *time.Time
}
