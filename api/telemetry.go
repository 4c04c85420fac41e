package api

import (
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Telemetry limits: the body is bounded, events per request are capped, and so is the number
// of distinct event names that become metric labels (the rest count as "other"), so a client
// can neither exhaust memory nor explode the metrics' cardinality.
const (
	telemetryBodyMax       = 64 << 10
	telemetryEventsMax     = 200
	telemetryEventNamesMax = 64
	telemetryPerIPPerMin   = 600
)

// widgetMetrics counts what embedded widgets report: feedback and telemetry events.
type widgetMetrics struct {
	feedback  *prometheus.CounterVec
	telemetry *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool
}

func newWidgetMetrics(reg *prometheus.Registry) *widgetMetrics {
	m := &widgetMetrics{
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lorebase_feedback_total", Help: "Feedback received, by type (session or message) and value (rating 1-5, positive or negative).",
		}, []string{"type", "value"}),
		telemetry: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lorebase_widget_telemetry_events_total", Help: "Telemetry events sent by embedded widgets, by event name.",
		}, []string{"event"}),
		names: map[string]bool{},
	}
	reg.MustRegister(m.feedback, m.telemetry)
	return m
}

var eventName = regexp.MustCompile(`^[A-Za-z0-9_.:\-]{1,64}$`)

// eventLabel turns an event name into a bounded label value.
func (m *widgetMetrics) eventLabel(name string) string {
	if !eventName.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.names[name] {
		if len(m.names) >= telemetryEventNamesMax {
			return "other"
		}
		m.names[name] = true
	}
	return name
}

// telemetryAccepted is the data of POST /telemetry/events.
type telemetryAccepted struct {
	Accepted int `json:"accepted"`
}

// telemetryEvent is one widget event; only its name is read.
type telemetryEvent struct {
	Event     string `json:"event"`
	EventType string `json:"event_type"`
	Type      string `json:"type"`
	Name      string `json:"name"`
}

// acceptTelemetry answers POST /telemetry/events: the widget's analytics. It accepts one event,
// an array of events or {"events":[...]}, counts them in metrics and stores nothing. It needs
// no credentials (widgets send events before they have a token) and is limited per IP.
func (s *Server) acceptTelemetry(w http.ResponseWriter, r *http.Request) error {
	u, err := s.limiter.Hit(r.Context(), bucketKey("telemetry-ip", s.clientIP(r)), time.Minute)
	if err != nil {
		return err
	}
	if u.Hits > telemetryPerIPPerMin {
		return rateLimited(w, telemetryPerIPPerMin, u.ResetAt)
	}
	r.Body = http.MaxBytesReader(w, r.Body, telemetryBodyMax)
	var body any
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	events := telemetryEvents(body)
	for _, name := range events {
		s.widgetMetrics.telemetry.WithLabelValues(s.widgetMetrics.eventLabel(name)).Inc()
	}
	writeData(w, http.StatusAccepted, telemetryAccepted{Accepted: len(events)})
	return nil
}

// telemetryEvents lists the names of the events in a body, at most telemetryEventsMax.
func telemetryEvents(body any) []string {
	var list []any
	switch b := body.(type) {
	case []any:
		list = b
	case map[string]any:
		if evs, ok := b["events"].([]any); ok {
			list = evs
		} else {
			list = []any{b}
		}
	}
	if len(list) > telemetryEventsMax {
		list = list[:telemetryEventsMax]
	}
	names := make([]string, 0, len(list))
	for _, e := range list {
		obj, _ := e.(map[string]any)
		name := ""
		for _, k := range []string{"event", "event_type", "type", "name"} {
			if v, ok := obj[k].(string); ok && v != "" {
				name = v
				break
			}
		}
		if name == "" {
			name = "unnamed"
		}
		names = append(names, name)
	}
	return names
}
