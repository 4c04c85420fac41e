package api

import (
	"context"
	"net/http"

	"github.com/lorebase/lorebase"
)

// WidgetConfigs stores embedded-widget configurations.
type WidgetConfigs interface {
	Create(ctx context.Context, c lorebase.WidgetConfig) (lorebase.WidgetConfig, error)
	Get(ctx context.Context, orgID, id string) (lorebase.WidgetConfig, error)
	List(ctx context.Context, orgID, assistantID string, page lorebase.Page) ([]lorebase.WidgetConfig, int, error)
	Update(ctx context.Context, orgID, id string, p lorebase.WidgetConfigPatch) (lorebase.WidgetConfig, error)
	Delete(ctx context.Context, orgID, id string) error
}

func (s *Server) listWidgetConfigs(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.deps.WidgetConfigs.List(r.Context(), p.orgID, r.URL.Query().Get("assistant_id"), page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.WidgetConfig]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

// createWidgetConfig starts from the defaults, so a body with only assistant_id is a complete
// configuration.
func (s *Server) createWidgetConfig(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in lorebase.WidgetConfigPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c := lorebase.NewWidgetConfig()
	c.OrganizationID = p.orgID
	if err := in.Apply(&c); err != nil {
		return err
	}
	created, err := s.deps.WidgetConfigs.Create(r.Context(), c)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, created)
	return nil
}

func (s *Server) getWidgetConfig(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	c, err := s.deps.WidgetConfigs.Get(r.Context(), p.orgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, c)
	return nil
}

// patchWidgetConfig answers 404 for an unknown id before it reads the body, so another
// organization's id is never told apart by a validation error.
func (s *Server) patchWidgetConfig(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	if _, err := s.deps.WidgetConfigs.Get(r.Context(), p.orgID, r.PathValue("id")); err != nil {
		return err
	}
	var in lorebase.WidgetConfigPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.deps.WidgetConfigs.Update(r.Context(), p.orgID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteWidgetConfig(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	id := r.PathValue("id")
	if err := s.deps.WidgetConfigs.Delete(r.Context(), p.orgID, id); err != nil {
		return err
	}
	writeData(w, http.StatusOK, deleted{ID: id, Deleted: true})
	return nil
}

// widgetConfigVariant is an A/B variant of a configuration; none exist yet, the route answers
// an empty list so widgets that ask for variants start with the base configuration.
type widgetConfigVariant struct {
	ID string `json:"id"`
}

// listWidgetConfigVariants answers GET /widget-config/{id}/variants: the configuration must be
// the caller's (404 otherwise), and it has no variants.
func (s *Server) listWidgetConfigVariants(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	if _, err := s.deps.WidgetConfigs.Get(r.Context(), p.orgID, r.PathValue("id")); err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[widgetConfigVariant]{Items: []widgetConfigVariant{}, Total: 0, Page: page.Page, PageSize: page.PageSize})
	return nil
}
