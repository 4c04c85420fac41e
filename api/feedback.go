package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/lorebase/lorebase"
)

// FeedbackStore stores session ratings and message thumbs.
type FeedbackStore interface {
	RateSession(ctx context.Context, fb lorebase.Feedback) (lorebase.Feedback, bool, error)
	RateMessage(ctx context.Context, fb lorebase.Feedback) (lorebase.Feedback, bool, error)
	SessionFeedback(ctx context.Context, orgID, threadID string) (lorebase.Feedback, error)
	List(ctx context.Context, orgID string, filter lorebase.FeedbackFilter, page lorebase.Page) ([]lorebase.Feedback, int, error)
}

// feedbackCommentMax bounds a feedback comment.
const feedbackCommentMax = 2000

type sessionFeedbackInput struct {
	Rating  *int    `json:"rating" doc:"1-5"`
	Comment *string `json:"comment"`
}

type messageFeedbackInput struct {
	FeedbackType *string `json:"feedback_type" doc:"positive or negative"`
	Comment      *string `json:"comment"`
}

// sessionFeedbackView is what GET /sessions/{id}/feedback answers (the widget's shape).
type sessionFeedbackView struct {
	HasFeedback bool       `json:"has_feedback"`
	Rating      *int       `json:"rating"`
	Comment     *string    `json:"comment"`
	CreatedAt   *time.Time `json:"created_at"`
	UpdatedAt   *time.Time `json:"updated_at"`
}

func feedbackComment(ve *lorebase.ValidationError, c *string) string {
	if c == nil {
		return ""
	}
	s := strings.TrimSpace(*c)
	if utf8.RuneCountInString(s) > feedbackCommentMax {
		ve.Add("comment", "must be at most "+strconv.Itoa(feedbackCommentMax)+" characters")
	}
	return s
}

// author fills in who gives the feedback: a widget visitor or an API client.
func author(p *principal, fb *lorebase.Feedback) {
	fb.OrganizationID, fb.AuthorClientID = p.orgID, p.clientID
	fb.AuthorKind = lorebase.AuthorAPIClient
	if p.widget {
		fb.AuthorKind, fb.AuthorVisitor = lorebase.AuthorWidget, p.subject
	}
}

// rateSession answers POST /sessions/{id}/feedback: 201 for the first rating, 200 when it
// replaces an earlier one.
func (s *Server) rateSession(w http.ResponseWriter, r *http.Request) error {
	t, err := s.thread(r, lorebase.ThreadSession)
	if err != nil {
		return err
	}
	var in sessionFeedbackInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	if in.Rating == nil {
		ve.Add("rating", "is required")
	} else if *in.Rating < 1 || *in.Rating > 5 {
		ve.Add("rating", "must be an integer from 1 to 5")
	}
	fb := lorebase.Feedback{ThreadID: t.ID, AssistantID: t.AssistantID, Rating: in.Rating, Comment: feedbackComment(ve, in.Comment)}
	if err := ve.Err(); err != nil {
		return err
	}
	author(principalFrom(r.Context()), &fb)
	out, created, err := s.deps.Feedback.RateSession(r.Context(), fb)
	if err != nil {
		return err
	}
	s.widgetMetrics.feedback.WithLabelValues(lorebase.FeedbackSession, strconv.Itoa(*in.Rating)).Inc()
	writeData(w, createdStatus(created), out)
	return nil
}

func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// sessionFeedback answers GET /sessions/{id}/feedback.
func (s *Server) sessionFeedback(w http.ResponseWriter, r *http.Request) error {
	t, err := s.thread(r, lorebase.ThreadSession)
	if err != nil {
		return err
	}
	fb, err := s.deps.Feedback.SessionFeedback(r.Context(), t.OrganizationID, t.ID)
	switch {
	case errors.Is(err, lorebase.ErrNotFound):
		writeData(w, http.StatusOK, sessionFeedbackView{})
		return nil
	case err != nil:
		return err
	}
	comment := fb.Comment
	writeData(w, http.StatusOK, sessionFeedbackView{HasFeedback: true, Rating: fb.Rating, Comment: &comment, CreatedAt: &fb.CreatedAt, UpdatedAt: &fb.UpdatedAt})
	return nil
}

// rateMessage answers POST /message/{id}/feedback: a thumb on an assistant message. A widget
// token reaches only the messages of sessions it opened; any other id is 404, like one that
// does not exist.
func (s *Server) rateMessage(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	m, t, err := s.deps.Threads.MessageWithThread(r.Context(), p.orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.widget && (t.Kind != lorebase.ThreadSession || t.WidgetClientID != p.clientID || t.WidgetSubject != p.subject) {
		return lorebase.ErrNotFound
	}
	var in messageFeedbackInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	if in.FeedbackType == nil {
		ve.Add("feedback_type", "is required")
	} else if *in.FeedbackType != lorebase.FeedbackPositive && *in.FeedbackType != lorebase.FeedbackNegative {
		ve.Add("feedback_type", "must be positive or negative")
	}
	if m.Sender != lorebase.SenderAssistant {
		ve.Add("message_id", "names a visitor's message; feedback is for assistant messages")
	}
	mid := m.ID
	fb := lorebase.Feedback{ThreadID: t.ID, AssistantID: t.AssistantID, MessageID: &mid, FeedbackType: in.FeedbackType, Comment: feedbackComment(ve, in.Comment)}
	if err := ve.Err(); err != nil {
		return err
	}
	author(p, &fb)
	out, created, err := s.deps.Feedback.RateMessage(r.Context(), fb)
	if err != nil {
		return err
	}
	s.widgetMetrics.feedback.WithLabelValues(lorebase.FeedbackMessage, *in.FeedbackType).Inc()
	writeData(w, createdStatus(created), out)
	return nil
}

// listFeedback answers GET /feedback: knowledge managers read what visitors said, with the
// question, the answer and its sources, so a bad answer leads to the knowledge to fix.
func (s *Server) listFeedback(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	page, err := pageParams(r)
	ve := &lorebase.ValidationError{}
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	q := r.URL.Query()
	f := lorebase.FeedbackFilter{AssistantID: q.Get("assistant_id")}
	switch typ := q.Get("type"); typ {
	case "":
	case lorebase.FeedbackSession, lorebase.FeedbackMessage:
		f.Type = typ
	case lorebase.FeedbackPositive, lorebase.FeedbackNegative:
		f.Type, f.FeedbackType = lorebase.FeedbackMessage, typ
	default:
		ve.Add("type", "must be session, message, positive or negative")
	}
	if ft := q.Get("feedback_type"); ft != "" {
		if ft != lorebase.FeedbackPositive && ft != lorebase.FeedbackNegative {
			ve.Add("feedback_type", "must be positive or negative")
		}
		f.FeedbackType = ft
	}
	if f.AssistantID != "" && uuid.Validate(f.AssistantID) != nil {
		ve.Add("assistant_id", "must be an assistant id")
	}
	f.From = dateParam(ve, q.Get("from"), "from", false)
	f.To = dateParam(ve, q.Get("to"), "to", true)
	if err := ve.Err(); err != nil {
		return err
	}
	items, total, err := s.deps.Feedback.List(r.Context(), p.orgID, f, page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.Feedback]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

// dateParam reads an RFC 3339 time or a date (YYYY-MM-DD, UTC). A date as the upper bound
// includes that whole day.
func dateParam(ve *lorebase.ValidationError, v, field string, upper bool) *time.Time {
	if v == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		ve.Add(field, "must be a date (2006-01-02) or an RFC 3339 time")
		return nil
	}
	if upper {
		t = t.AddDate(0, 0, 1)
	}
	return &t
}

// sessionPatchInput is the body of PATCH /sessions/{id}.
type sessionPatchInput struct {
	Metadata json.RawMessage `json:"metadata" doc:"merged into the session's metadata at the top level; a null value removes a key"`
}

// sessionMetadataMax bounds a session's merged metadata, like the metadata given at creation.
const sessionMetadataMax = 16 << 10

// patchSession answers PATCH /sessions/{id}: a widget token of that session or the key pair
// merges metadata.
func (s *Server) patchSession(w http.ResponseWriter, r *http.Request) error {
	t, err := s.thread(r, lorebase.ThreadSession)
	if err != nil {
		return err
	}
	var in sessionPatchInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	var patch map[string]json.RawMessage
	switch raw := strings.TrimSpace(string(in.Metadata)); {
	case raw == "" || raw == "null":
		ve.Add("metadata", "is required")
	case !strings.HasPrefix(raw, "{"):
		ve.Add("metadata", "must be an object")
	case len(raw) > sessionMetadataMax:
		ve.Add("metadata", "must be at most 16 KiB")
	default:
		if err := json.Unmarshal(in.Metadata, &patch); err != nil {
			ve.Add("metadata", "must be an object")
		}
	}
	if err := ve.Err(); err != nil {
		return err
	}
	updated, err := s.deps.Threads.MergeMetadata(r.Context(), t.OrganizationID, lorebase.ThreadSession, t.ID, patch, sessionMetadataMax)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, viewOf(updated))
	return nil
}
