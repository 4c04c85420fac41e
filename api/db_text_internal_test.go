package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
)

// Item 5: whatever the database says about a refused query stays in the log; the client gets
// the kind's generic detail and the request id.
func TestDatabaseTextNeverEchoed(t *testing.T) {
	for _, pg := range []*pgconn.PgError{
		{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`},
		{Code: "22003", Message: "bigint out of range"},
		{Code: "23505", Message: "duplicate key value violates unique constraint", ConstraintName: "api_clients_client_id_key"},
		{Code: "23503", Message: `insert or update on table "threads" violates foreign key constraint "threads_assistant_id_fkey"`},
	} {
		err := fmt.Errorf("create thread: %w", store.Translate(pg))
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("POST", "/api/v1/x", nil), err)
		var env envelope
		if jerr := json.Unmarshal(rec.Body.Bytes(), &env); jerr != nil {
			t.Fatal(jerr)
		}
		detail, _ := env.Detail.(string)
		if rec.Code != 422 && rec.Code != 409 {
			t.Errorf("%s: status %d", pg.Code, rec.Code)
		}
		for _, leak := range []string{pg.Message, "UTF8", "constraint", "out of range", pg.ConstraintName} {
			if leak != "" && strings.Contains(detail, leak) {
				t.Errorf("%s: detail %q echoes the database", pg.Code, detail)
			}
		}
	}
	// Client-written details of the same kinds are still shown.
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("GET", "/", nil), withDetail(lorebase.ErrConflict, "A request with this Idempotency-Key is still being answered"))
	if !strings.Contains(rec.Body.String(), "still being answered") {
		t.Fatalf("client detail lost: %s", rec.Body)
	}
}
