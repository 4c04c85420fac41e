package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
)

// upload posts a multipart file the way the seed's example does.
func (e *env) upload(tn tenant, title, fileType, name string, data []byte) *response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", title)
	if fileType != "" {
		_ = mw.WriteField("file_type", fileType)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return e.call("POST", "/api/v1/knowledge/files/", buf.Bytes(), withKey(tn), withHeader("Content-Type", mw.FormDataContentType()))
}

// waitItem polls an item until it leaves pending/processing.
func (e *env) waitItem(tn tenant, id string) lorebase.KnowledgeItem {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := e.call("GET", "/api/v1/knowledge/"+id, nil, withKey(tn))
		expect(e.t, r, http.StatusOK)
		var it lorebase.KnowledgeItem
		r.data(&it)
		if it.Status == lorebase.StatusReady || it.Status == lorebase.StatusFailed {
			return it
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("item %s still %s after 60s: %+v", id, it.Status, it)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type chunkRow struct {
	Content     string
	HeadingPath []string
	Page        int
	URL         string
	Position    int
}

func (e *env) chunks(itemID string) []chunkRow {
	e.t.Helper()
	rows, err := e.db.Pool.Query(context.Background(),
		`SELECT content, heading_path, page, url, position FROM chunks WHERE item_id = $1 ORDER BY page_id NULLS FIRST, position`, itemID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []chunkRow
	for rows.Next() {
		var c chunkRow
		if err := rows.Scan(&c.Content, &c.HeadingPath, &c.Page, &c.URL, &c.Position); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func policyPDF() []byte {
	return pdftest.Build("Store policy", []pdftest.Page{
		{Heading: "Returns", Lines: []string{"You may return any unused item within 30 days of delivery.", "Refunds reach your card within five working days."}},
		{Heading: "Shipping", Lines: []string{"Standard shipping is free for orders over 50 euros.", "Express delivery costs 9 euros and arrives the next day."}},
		{Heading: "Warranty", Lines: []string{"Electronics carry a two-year warranty against defects."}},
	})
}

func TestUploadsBecomeReadyWithPagesAndSections(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()

	r := e.upload(e.org, "Store policy", "pdf", "policy.pdf", policyPDF())
	expect(t, r, http.StatusAccepted)
	var pdfItem lorebase.KnowledgeItem
	r.data(&pdfItem)
	if pdfItem.Status != "pending" || pdfItem.Type != "file" || pdfItem.FileType != "pdf" || pdfItem.Title != "Store policy" {
		t.Fatalf("created = %+v", pdfItem)
	}
	md := "# Router manual\n\n## Setup\n\nPlug the router into the wall socket and wait for the green light.\n\n## Reset\n\nHold the reset button for ten seconds to restore factory settings.\n"
	r = e.upload(e.org, "Router manual", "markdown", "manual.md", []byte(md))
	expect(t, r, http.StatusAccepted)
	var mdItem lorebase.KnowledgeItem
	r.data(&mdItem)
	csv := "sku,name,price\nA1,Blue kettle,29.90\nB2,Red toaster,45.00\n"
	r = e.upload(e.org, "Price list", "", "prices.csv", []byte(csv))
	expect(t, r, http.StatusAccepted)
	var csvItem lorebase.KnowledgeItem
	r.data(&csvItem)

	got := e.waitItem(e.org, pdfItem.ID)
	if got.Status != "ready" || got.PageCount != 3 || got.ChunkCount == 0 || got.Progress.ChunksEmbedded != got.ChunkCount {
		t.Fatalf("pdf item = %+v", got)
	}
	pages := map[int]string{}
	for _, c := range e.chunks(pdfItem.ID) {
		pages[c.Page] += c.Content
	}
	if !strings.Contains(pages[1], "30 days") || !strings.Contains(pages[2], "Express delivery") || !strings.Contains(pages[3], "two-year warranty") {
		t.Fatalf("pdf chunks by page = %v", pages)
	}

	if got := e.waitItem(e.org, mdItem.ID); got.Status != "ready" {
		t.Fatalf("markdown item = %+v", got)
	}
	sections := map[string]string{}
	for _, c := range e.chunks(mdItem.ID) {
		sections[strings.Join(c.HeadingPath, " > ")] += c.Content
	}
	if !strings.Contains(sections["Router manual > Reset"], "ten seconds") || !strings.Contains(sections["Router manual > Setup"], "green light") {
		t.Fatalf("markdown chunks by section = %v", sections)
	}

	if got := e.waitItem(e.org, csvItem.ID); got.Status != "ready" || got.FileType != "csv" {
		t.Fatalf("csv item = %+v", got)
	}
	all := ""
	for _, c := range e.chunks(csvItem.ID) {
		all += c.Content
	}
	if !strings.Contains(all, "name: Red toaster") || !strings.Contains(all, "price: 45.00") {
		t.Fatalf("csv chunks = %q", all)
	}

	// Lists: all, by type, and the typed get refuses another type's id.
	r = e.call("GET", "/api/v1/knowledge/files/", nil, withKey(e.org))
	var l struct {
		Total int `json:"total"`
	}
	r.data(&l)
	if l.Total != 3 {
		t.Fatalf("files total = %d", l.Total)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/urls/"+pdfItem.ID, nil, withKey(e.org)), http.StatusNotFound)
	expect(t, e.call("GET", "/api/v1/knowledge/files/"+pdfItem.ID, nil, withKey(e.org)), http.StatusOK)
}

func TestQAPairSeedExample(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	body := `{"question": "Qual é o prazo de entrega?", "answer": "O prazo de entrega é de 3 a 5 dias úteis.", "tags": ["entrega", "prazo"], "source": "FAQ"}`
	r := e.call("POST", "/api/v1/knowledge/qa/", body, withKey(e.org))
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	if it.Type != "qa" || it.Question != "Qual é o prazo de entrega?" || len(it.Tags) != 2 || it.Status != "pending" {
		t.Fatalf("qa = %+v", it)
	}
	got := e.waitItem(e.org, it.ID)
	if got.Status != "ready" || got.ChunkCount != 1 {
		t.Fatalf("qa item = %+v", got)
	}
	if c := e.chunks(it.ID); len(c) != 1 || !strings.Contains(c[0].Content, "3 a 5 dias") {
		t.Fatalf("qa chunk = %+v", c)
	}
	// The alias path works too; validation errors are 422.
	expect(t, e.call("POST", "/api/v1/knowledge/qas", `{"question":"q?","answer":"a."}`, withKey(e.org)), http.StatusAccepted)
	expect(t, e.call("POST", "/api/v1/knowledge/qa", `{"question":"no answer"}`, withKey(e.org)), http.StatusUnprocessableEntity)

	// Changing the answer reindexes: the new text replaces the old chunk, never beside it.
	r = e.call("PATCH", "/api/v1/knowledge/qa/"+it.ID, `{"answer":"Entregamos em 2 dias úteis."}`, withKey(e.org))
	expect(t, r, http.StatusOK)
	e.waitItem(e.org, it.ID)
	if c := e.chunks(it.ID); len(c) != 1 || !strings.Contains(c[0].Content, "2 dias") {
		t.Fatalf("after patch chunk = %+v", c)
	}
}

func TestUploadErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	// Over the size limit: 413, nothing stored.
	expect(t, e.upload(e.org, "big", "text", "big.txt", bytes.Repeat([]byte("a"), testUploadLimit+10)), http.StatusRequestEntityTooLarge)
	// Unsupported types: 415.
	expect(t, e.upload(e.org, "img", "png", "x.png", []byte("\x89PNG\r\n\x1a\n....")), http.StatusUnsupportedMediaType)
	expect(t, e.upload(e.org, "fake", "pdf", "fake.pdf", []byte("this is not a pdf")), http.StatusUnsupportedMediaType)
	expect(t, e.upload(e.org, "bin", "", "blob.bin", []byte{0, 1, 2, 3, 0, 0, 7}), http.StatusUnsupportedMediaType)
	expect(t, e.call("POST", "/api/v1/knowledge/files/", `{"title":"x"}`, withKey(e.org)), http.StatusUnsupportedMediaType)
	// A corrupt PDF is accepted, then fails with a reason.
	corrupt := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("garbage "), 200)...)
	r := e.upload(e.org, "broken", "pdf", "broken.pdf", corrupt)
	expect(t, r, http.StatusAccepted)
	var it lorebase.KnowledgeItem
	r.data(&it)
	got := e.waitItem(e.org, it.ID)
	if got.Status != "failed" || got.Error == nil || !strings.Contains(*got.Error, "PDF") {
		t.Fatalf("corrupt pdf = %+v (error %v)", got, got.Error)
	}
	r = e.call("GET", "/api/v1/knowledge/?status=failed", nil, withKey(e.org))
	var l struct {
		Total int `json:"total"`
	}
	r.data(&l)
	if l.Total != 1 {
		t.Fatalf("failed items = %d", l.Total)
	}
}

func TestKnowledgeDeleteReindexAndIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.startWorker()
	other := e.newTenant("Other")
	r := e.upload(e.org, "Policy", "pdf", "policy.pdf", policyPDF())
	var it lorebase.KnowledgeItem
	r.data(&it)
	e.waitItem(e.org, it.ID)
	first := len(e.chunks(it.ID))

	// Another organization sees nothing of it.
	expect(t, e.call("GET", "/api/v1/knowledge/"+it.ID, nil, withKey(other)), http.StatusNotFound)
	expect(t, e.call("DELETE", "/api/v1/knowledge/"+it.ID, nil, withKey(other)), http.StatusNotFound)
	expect(t, e.call("POST", "/api/v1/knowledge/"+it.ID+"/reindex", nil, withKey(other)), http.StatusNotFound)
	expect(t, e.call("PATCH", "/api/v1/knowledge/"+it.ID, `{"title":"x"}`, withKey(other)), http.StatusNotFound)

	// Reindex right after a run, twice in a row: the item ends ready with the same chunks, never doubled.
	expect(t, e.call("POST", "/api/v1/knowledge/files/"+it.ID+"/reindex", nil, withKey(e.org)), http.StatusAccepted)
	expect(t, e.call("POST", "/api/v1/knowledge/"+it.ID+"/reindex", nil, withKey(e.org)), http.StatusAccepted)
	got := e.waitItem(e.org, it.ID)
	if n := len(e.chunks(it.ID)); got.Status != "ready" || n != first || got.ChunkCount != first {
		t.Fatalf("after reindex: %d chunks (first run %d), item %+v", n, first, got)
	}

	// A widget token gets 403 on knowledge endpoints.
	_, token := widgetToken(t, e, e.org.ClientID, "https://shop.example")
	expect(t, e.call("GET", "/api/v1/knowledge/", nil, withBearer(token), withHeader("Origin", "https://shop.example")), http.StatusForbidden)
	expect(t, e.call("POST", "/api/v1/knowledge/qa", `{"question":"q","answer":"a"}`, withBearer(token), withHeader("Origin", "https://shop.example")), http.StatusForbidden)

	// Delete: the chunks are gone at once.
	expect(t, e.call("DELETE", "/api/v1/knowledge/"+it.ID, nil, withKey(e.org)), http.StatusOK)
	if n := len(e.chunks(it.ID)); n != 0 {
		t.Fatalf("%d chunks left after delete", n)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/"+it.ID, nil, withKey(e.org)), http.StatusNotFound)
}

func TestAssistantRestrictionValidated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	other := e.newTenant("Other")
	r := e.call("POST", "/api/v1/assistants", `{"name":"theirs"}`, withKey(other))
	var theirs lorebase.Assistant
	r.data(&theirs)
	r = e.call("POST", "/api/v1/knowledge/qa", fmt.Sprintf(`{"question":"q?","answer":"a.","assistant_ids":[%q]}`, theirs.ID), withKey(e.org))
	expect(t, r, http.StatusUnprocessableEntity)
}

// Every real PDF of the shared corpus ends ready or failed with a reason; none hangs a worker.
func TestSharedPDFCorpusEndsReadyOrFailed(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "shared", "data", "pdfs")
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".pdf") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("../shared/data/pdfs is absent")
	}
	e := setup(t, func(e *env) {})
	e.startWorker()
	ids := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := e.upload(e.org, filepath.Base(f), "pdf", filepath.Base(f), data)
		expect(t, r, http.StatusAccepted)
		var it lorebase.KnowledgeItem
		r.data(&it)
		ids[f] = it.ID
	}
	for f, id := range ids {
		got := e.waitItem(e.org, id)
		switch got.Status {
		case "ready":
			if got.ChunkCount == 0 {
				t.Errorf("%s: ready without chunks", f)
			}
			t.Logf("%-45s ready  %2d pages %3d chunks %v", f[len(dir)+1:], got.PageCount, got.ChunkCount, got.Warnings)
		case "failed":
			if got.Error == nil || len(*got.Error) < 20 {
				t.Errorf("%s: failed without a clear reason: %v", f, got.Error)
			} else {
				t.Logf("%-45s failed: %s", f[len(dir)+1:], *got.Error)
			}
		}
	}
}
