package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/lorebase/lorebase"
)

// The seed's examples: list with the two headers, create with the documented body; the created
// assistant sits directly in data.
func TestAssistantsSeedExamples(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.call("GET", "/api/v1/assistants/", nil, withKey(e.org))
	expect(t, r, http.StatusOK)
	var empty struct {
		Items    []lorebase.Assistant `json:"items"`
		Total    int                  `json:"total"`
		Page     int                  `json:"page"`
		PageSize int                  `json:"page_size"`
	}
	r.data(&empty)
	if empty.Items == nil || len(empty.Items) != 0 || empty.Total != 0 || empty.Page != 1 || empty.PageSize != 20 {
		t.Fatalf("empty list = %+v (%s)", empty, r.Body)
	}

	body := `{"name": "Assistente de Vendas", "description": "Ajuda clientes a escolher produtos",
		"tone": "friendly", "language": "pt-BR", "default_tasks": ["answer_questions", "recommend_products"], "is_active": true}`
	r = e.call("POST", "/api/v1/assistants/", body, withKey(e.org))
	expect(t, r, http.StatusCreated)
	var a lorebase.Assistant
	r.data(&a)
	if a.ID == "" || a.Name != "Assistente de Vendas" || a.Language != "pt-BR" || a.Tone != "friendly" ||
		len(a.DefaultTasks) != 2 || !a.IsActive || a.OrganizationID != e.org.ID {
		t.Fatalf("created = %+v", a)
	}

	r = e.call("GET", "/api/v1/assistants/"+a.ID, nil, withKey(e.org))
	expect(t, r, http.StatusOK)
	var got lorebase.Assistant
	r.data(&got)
	if got.ID != a.ID || got.Description != "Ajuda clientes a escolher produtos" {
		t.Fatalf("get = %+v", got)
	}

	r = e.call("PATCH", "/api/v1/assistants/"+a.ID, `{"tone":"professional","is_active":false}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	r.data(&got)
	if got.Tone != "professional" || got.IsActive || got.Name != a.Name || len(got.DefaultTasks) != 2 {
		t.Fatalf("patched = %+v", got)
	}

	r = e.call("DELETE", "/api/v1/assistants/"+a.ID+"/", nil, withKey(e.org))
	expect(t, r, http.StatusOK)
	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withKey(e.org)), http.StatusNotFound)
	expect(t, e.call("DELETE", "/api/v1/assistants/"+a.ID, nil, withKey(e.org)), http.StatusNotFound)
}

func TestAssistantsPagination(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 25 {
		expect(t, e.call("POST", "/api/v1/assistants", fmt.Sprintf(`{"name":"A%02d"}`, i), withKey(e.org)), http.StatusCreated)
	}
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		r := e.call("GET", fmt.Sprintf("/api/v1/assistants?page=%d&page_size=10", page), nil, withKey(e.org))
		expect(t, r, http.StatusOK)
		var l struct {
			Items []lorebase.Assistant `json:"items"`
			Total int                  `json:"total"`
		}
		r.data(&l)
		if l.Total != 25 {
			t.Fatalf("total = %d", l.Total)
		}
		want := 10
		if page == 3 {
			want = 5
		}
		if len(l.Items) != want {
			t.Fatalf("page %d has %d items, want %d", page, len(l.Items), want)
		}
		for _, a := range l.Items {
			if seen[a.ID] {
				t.Fatalf("assistant %s on two pages", a.ID)
			}
			seen[a.ID] = true
		}
	}
	r := e.call("GET", "/api/v1/assistants?page_size=500", nil, withKey(e.org))
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("GET", "/api/v1/assistants?page=0", nil, withKey(e.org))
	expect(t, r, http.StatusUnprocessableEntity)
}

func TestAssistantValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"missing name", `{"description":"x"}`, 422, "name"},
		{"blank name", `{"name":"   "}`, 422, "name"},
		{"name wrong type", `{"name":42}`, 422, "name"},
		{"tasks not a list", `{"name":"a","default_tasks":"answer"}`, 422, "default_tasks"},
		{"tasks of numbers", `{"name":"a","default_tasks":[1,2]}`, 422, "default_tasks"},
		{"is_active not bool", `{"name":"a","is_active":"yes"}`, 422, "is_active"},
		{"bad language", `{"name":"a","language":"this is not a language"}`, 422, "language"},
		{"bad tone", `{"name":"a","tone":"<script>"}`, 422, "tone"},
		{"malformed", `{"name":`, 400, ""},
		{"not an object", `[1,2]`, 400, ""},
		{"trailing garbage", `{"name":"a"} {"x":1}`, 400, ""},
		{"empty body", ``, 400, ""},
	}
	for _, c := range cases {
		r := e.call("POST", "/api/v1/assistants/", c.body, withKey(e.org))
		expect(t, r, c.status)
		if c.field != "" {
			var d struct {
				Errors []lorebase.FieldError `json:"errors"`
			}
			r.data(&d)
			if len(d.Errors) == 0 || d.Errors[0].Field != c.field {
				t.Errorf("%s: errors = %+v, want field %s", c.name, d.Errors, c.field)
			}
		}
	}
	// Unknown fields are ignored; a language name becomes a code.
	r := e.call("POST", "/api/v1/assistants/", `{"name":"a","language":"Portuguese","extra":{"x":1}}`, withKey(e.org))
	expect(t, r, http.StatusCreated)
	var a lorebase.Assistant
	r.data(&a)
	if a.Language != "pt" {
		t.Fatalf("language = %q", a.Language)
	}
	// Nothing stored is changed by a rejected PATCH.
	r = e.call("PATCH", "/api/v1/assistants/"+a.ID, `{"name":"","tone":"calm"}`, withKey(e.org))
	expect(t, r, http.StatusUnprocessableEntity)
	r = e.call("GET", "/api/v1/assistants/"+a.ID, nil, withKey(e.org))
	var after lorebase.Assistant
	r.data(&after)
	if after.Name != "a" || after.Tone != "friendly" {
		t.Fatalf("rejected patch changed the row: %+v", after)
	}
	// Not-a-UUID ids are simply not found.
	expect(t, e.call("GET", "/api/v1/assistants/not-a-uuid", nil, withKey(e.org)), http.StatusNotFound)
}

// An organization can never read, change or delete another organization's assistant.
func TestAssistantIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := e.newTenant("Globex")
	r := e.call("POST", "/api/v1/assistants", `{"name":"secret persona"}`, withKey(e.org))
	expect(t, r, http.StatusCreated)
	var a lorebase.Assistant
	r.data(&a)

	expect(t, e.call("GET", "/api/v1/assistants/"+a.ID, nil, withKey(other)), http.StatusNotFound)
	expect(t, e.call("PATCH", "/api/v1/assistants/"+a.ID, `{"name":"pwned"}`, withKey(other)), http.StatusNotFound)
	expect(t, e.call("DELETE", "/api/v1/assistants/"+a.ID, nil, withKey(other)), http.StatusNotFound)
	r = e.call("GET", "/api/v1/assistants", nil, withKey(other))
	var l struct {
		Total int `json:"total"`
	}
	r.data(&l)
	if l.Total != 0 {
		t.Fatalf("other organization lists %d assistants", l.Total)
	}
	r = e.call("GET", "/api/v1/assistants/"+a.ID, nil, withKey(e.org))
	var still lorebase.Assistant
	r.data(&still)
	if still.Name != "secret persona" {
		t.Fatalf("assistant changed: %+v", still)
	}
}
