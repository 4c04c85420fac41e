package api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/lorebase/lorebase"
)

// uploadWithPassword posts a file with the optional password field.
func (e *env) uploadWithPassword(tn tenant, name string, data []byte, password string) *response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", "Protected policy")
	_ = mw.WriteField("file_type", "pdf")
	if password != "" {
		_ = mw.WriteField("password", password)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return e.call("POST", "/api/v1/knowledge/files/", buf.Bytes(), withKey(tn), withHeader("Content-Type", mw.FormDataContentType()))
}

// TestUploadProtectedPDF: a password-protected PDF uploaded without its password fails with
// "protected by a password"; with a wrong password the upload answers 422 naming the field;
// with the right one it is stored decrypted and becomes ready. The password never appears in a
// response, a log line, the stored file or a job's arguments.
func TestUploadProtectedPDF(t *testing.T) {
	t.Parallel()
	w := setupLogged(t)
	const password = "Tr0ub4dor-and-3-horses"
	conf := &model.Configuration{
		Reader15: true, ValidationMode: model.ValidationRelaxed, Eol: types.EolLF, Offline: true,
		Limits: model.DefaultResourceLimits(), Cmd: model.ENCRYPT,
		UserPW: password, OwnerPW: password + "-owner", EncryptUsingAES: true, EncryptKeyLength: 256,
		Permissions: model.PermissionsNone,
	}
	var enc bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(policyPDF()), &enc, conf); err != nil {
		t.Fatal(err)
	}
	var bodies []string

	// Without the password: accepted, then failed with a reason a person can act on.
	r := w.uploadWithPassword(w.org, "policy.pdf", enc.Bytes(), "")
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	got := w.waitItem(w.org, it.ID)
	if got.Status != lorebase.StatusFailed || got.Error == nil || !strings.Contains(*got.Error, "protected by a password") {
		t.Fatalf("without password: %+v (error %v)", got, got.Error)
	}

	// A wrong password: 422 on the password field, nothing stored.
	r = w.uploadWithPassword(w.org, "policy.pdf", enc.Bytes(), "not-"+password)
	expect(t, r, http.StatusUnprocessableEntity)
	bodies = append(bodies, string(r.Body))
	if !strings.Contains(string(r.Body), "password") {
		t.Errorf("422 body does not name the password field: %s", r.Body)
	}

	// The right password: stored decrypted, extracted, ready.
	r = w.uploadWithPassword(w.org, "policy.pdf", enc.Bytes(), password)
	expect(t, r, http.StatusAccepted)
	bodies = append(bodies, string(r.Body))
	r.data(&it)
	got = w.waitItem(w.org, it.ID)
	if got.Status != lorebase.StatusReady {
		t.Fatalf("with password: %+v (error %v)", got, got.Error)
	}
	var text strings.Builder
	for _, c := range w.chunks(it.ID) {
		text.WriteString(c.Content)
	}
	if !strings.Contains(text.String(), "within 30 days") {
		t.Errorf("chunks lack the policy text: %q", text.String())
	}

	// The password is nowhere: responses, logs, stored files, job arguments, items.
	for _, b := range bodies {
		if strings.Contains(b, password) {
			t.Errorf("a response echoes the password: %s", b)
		}
	}
	if strings.Contains(w.logs.String(), password) {
		t.Error("the logs contain the password")
	}
	for _, q := range []string{
		`SELECT count(*) FROM knowledge_files WHERE position($1::bytea IN data) > 0`,
		`SELECT count(*) FROM river_job WHERE args::text LIKE '%' || $1 || '%'`,
		`SELECT count(*) FROM knowledge_items WHERE row_to_json(knowledge_items)::text LIKE '%' || $1 || '%'`,
	} {
		var n int
		arg := any(password)
		if strings.Contains(q, "bytea") {
			arg = []byte(password)
		}
		if err := w.db.Pool.QueryRow(context.Background(), q, arg).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows hold the password", q, n)
		}
	}
}
