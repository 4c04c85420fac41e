package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lorebase/lorebase"
)

type contextInput struct {
	UserReference *string         `json:"user_reference"`
	Traits        json.RawMessage `json:"traits" doc:"free-form object: name, tier, preferences, purchases..."`
}

// traitsLimit bounds a context's traits; the prompt renders at most a part of them anyway.
const traitsLimit = 32 << 10

func checkTraits(ve *lorebase.ValidationError, raw json.RawMessage, required bool) json.RawMessage {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		if required {
			return json.RawMessage("{}")
		}
		ve.Add("traits", "is required")
	case !strings.HasPrefix(s, "{"):
		ve.Add("traits", "must be an object")
	case len(s) > traitsLimit:
		ve.Add("traits", "must be at most 32 KiB")
	}
	return raw
}

// upsertContext creates the context of a user reference, or replaces its traits (POST again
// updates it): 201 when created, 200 when updated.
func (s *Server) upsertContext(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in contextInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	ref := checkText(ve, "user_reference", in.UserReference, true, 200)
	traits := checkTraits(ve, in.Traits, true)
	if err := ve.Err(); err != nil {
		return err
	}
	c, created, err := s.deps.Contexts.Upsert(r.Context(), p.orgID, ref, traits)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeData(w, status, c)
	return nil
}

func (s *Server) getContext(w http.ResponseWriter, r *http.Request) error {
	c, err := s.deps.Contexts.Get(r.Context(), principalFrom(r.Context()).orgID, r.PathValue("ref"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, c)
	return nil
}

// patchContext merges the given traits into the stored ones (top-level keys).
func (s *Server) patchContext(w http.ResponseWriter, r *http.Request) error {
	var in contextInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	traits := checkTraits(ve, in.Traits, false)
	if in.UserReference != nil {
		ve.Add("user_reference", "cannot be changed; create a context for the new reference")
	}
	if err := ve.Err(); err != nil {
		return err
	}
	c, err := s.deps.Contexts.Merge(r.Context(), principalFrom(r.Context()).orgID, r.PathValue("ref"), traits)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteContext(w http.ResponseWriter, r *http.Request) error {
	id, err := s.deps.Contexts.Delete(r.Context(), principalFrom(r.Context()).orgID, r.PathValue("ref"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, deleted{ID: id, Deleted: true})
	return nil
}

func (s *Server) listContexts(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.Contexts.List(r.Context(), principalFrom(r.Context()).orgID, page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.UserContext]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

func (s *Server) listGaps(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.Gaps.List(r.Context(), principalFrom(r.Context()).orgID, page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.KnowledgeGap]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}
