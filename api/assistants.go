package api

import (
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/textkit"
)

// assistantInput is the body of create and PATCH; pointers tell absent from empty.
type assistantInput struct {
	Name         *string   `json:"name"`
	Description  *string   `json:"description"`
	Tone         *string   `json:"tone"`
	Language     *string   `json:"language"`
	DefaultTasks *[]string `json:"default_tasks"`
	IsActive     *bool     `json:"is_active"`
}

// assistantPublic is what a widget token may read of an assistant.
type assistantPublic struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Tone        string `json:"tone"`
	Language    string `json:"language"`
	IsActive    bool   `json:"is_active"`
}

var (
	languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$`)
	toneWords   = regexp.MustCompile(`^[\p{L}][\p{L} \-]{0,39}$`)
)

// normalizeLanguage accepts a BCP 47 tag ("pt-BR") or a language name ("Portuguese").
func normalizeLanguage(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if code, ok := textkit.LanguageCode(s); ok {
		return code, true
	}
	if !languageTag.MatchString(s) {
		return "", false
	}
	parts := strings.Split(s, "-")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 2 {
			parts[i] = strings.ToUpper(parts[i])
		}
	}
	return strings.Join(parts, "-"), true
}

// validate checks the input; create requires a name.
func (in *assistantInput) validate(create bool) error {
	ve := &lorebase.ValidationError{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
		if n == "" {
			ve.Add("name", "must not be empty")
		} else if utf8.RuneCountInString(n) > 200 {
			ve.Add("name", "must be at most 200 characters")
		}
	} else if create {
		ve.Add("name", "is required")
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > 5000 {
		ve.Add("description", "must be at most 5000 characters")
	}
	if in.Tone != nil {
		t := strings.TrimSpace(*in.Tone)
		in.Tone = &t
		if !toneWords.MatchString(t) {
			ve.Add("tone", "must be a short word or phrase such as "+strings.Join(lorebase.Tones, ", "))
		}
	}
	if in.Language != nil {
		if l, ok := normalizeLanguage(*in.Language); ok {
			in.Language = &l
		} else {
			ve.Add("language", "must be a language code such as en, pt-BR or de")
		}
	}
	if in.DefaultTasks != nil {
		tasks := *in.DefaultTasks
		if len(tasks) > 50 {
			ve.Add("default_tasks", "must have at most 50 tasks")
		}
		for _, t := range tasks {
			if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > 500 {
				ve.Add("default_tasks", "each task must be a non-empty string of at most 500 characters")
				break
			}
		}
	}
	return ve.Err()
}

func (s *Server) listAssistants(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.Assistants.List(r.Context(), p.orgID, page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.Assistant]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

func (s *Server) createAssistant(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in assistantInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	a := lorebase.Assistant{OrganizationID: p.orgID, Name: *in.Name, Tone: "friendly", Language: "en", IsActive: true}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.Tone != nil {
		a.Tone = *in.Tone
	}
	if in.Language != nil {
		a.Language = *in.Language
	}
	if in.DefaultTasks != nil {
		a.DefaultTasks = *in.DefaultTasks
	}
	if in.IsActive != nil {
		a.IsActive = *in.IsActive
	}
	created, err := s.deps.Assistants.Create(r.Context(), a)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, created)
	return nil
}

func (s *Server) getAssistant(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	a, err := s.deps.Assistants.Get(r.Context(), p.orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.widget {
		writeData(w, http.StatusOK, assistantPublic{ID: a.ID, Name: a.Name, Description: a.Description, Tone: a.Tone, Language: a.Language, IsActive: a.IsActive})
		return nil
	}
	writeData(w, http.StatusOK, a)
	return nil
}

func (s *Server) updateAssistant(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in assistantInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	a, err := s.deps.Assistants.Update(r.Context(), p.orgID, r.PathValue("id"), lorebase.AssistantPatch{
		Name: in.Name, Description: in.Description, Tone: in.Tone, Language: in.Language, DefaultTasks: in.DefaultTasks, IsActive: in.IsActive,
	})
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteAssistant(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	if err := s.deps.Assistants.Delete(r.Context(), p.orgID, r.PathValue("id")); err != nil {
		return err
	}
	writeData(w, http.StatusOK, deleted{ID: r.PathValue("id"), Deleted: true})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
