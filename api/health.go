package api

import (
	"context"
	"net/http"
	"strings"
	"time"
)

type healthStatus struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// healthz says the process is alive; it touches nothing else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeData(w, http.StatusOK, healthStatus{Status: "ok"})
	return nil
}

// readyz says whether this replica can serve: the database answers and the schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "migrations": "ok"}
	ready := true
	if err := s.deps.Database.Ping(ctx); err != nil {
		checks["database"] = "unreachable"
		checks["migrations"] = "unknown"
		ready = false
	} else if pending, err := s.deps.Database.PendingMigrations(ctx); err != nil {
		checks["migrations"] = "unknown"
		ready = false
	} else if len(pending) > 0 {
		checks["migrations"] = "pending: " + strings.Join(pending, ", ")
		ready = false
	}
	if !ready {
		writeJSON(w, http.StatusServiceUnavailable, envelope{Status: "error", StatusCode: http.StatusServiceUnavailable,
			Detail: "Not ready", Data: healthStatus{Status: "unavailable", Checks: checks}})
		return nil
	}
	writeData(w, http.StatusOK, healthStatus{Status: "ok", Checks: checks})
	return nil
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler().ServeHTTP(w, r)
	return nil
}
