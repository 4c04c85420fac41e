package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/pdf"
	"github.com/lorebase/lorebase/ingest/pipeline"
)

// KnowledgeWriter changes knowledge items and queues their processing.
type KnowledgeWriter interface {
	Create(ctx context.Context, it lorebase.KnowledgeItem, sha string, data []byte) (lorebase.KnowledgeItem, error)
	Reindex(ctx context.Context, orgID, id string) (lorebase.KnowledgeItem, error)
	Update(ctx context.Context, orgID, id string, p lorebase.KnowledgePatch) (lorebase.KnowledgeItem, error)
	Delete(ctx context.Context, orgID, id string) error
}

// KnowledgeReader reads knowledge items.
type KnowledgeReader interface {
	Get(ctx context.Context, orgID, id string) (lorebase.KnowledgeItem, error)
	List(ctx context.Context, orgID string, f lorebase.KnowledgeFilter, page lorebase.Page) ([]lorebase.KnowledgeItem, int, error)
}

// kindTypes maps the path segment of typed knowledge routes to item types.
var kindTypes = map[string]lorebase.KnowledgeType{"files": lorebase.KnowledgeFile, "qa": lorebase.KnowledgeQA, "qas": lorebase.KnowledgeQA, "urls": lorebase.KnowledgeURL}

// knowledgeCommon are the fields every create accepts.
type knowledgeCommon struct {
	Title        *string   `json:"title"`
	AssistantIDs *[]string `json:"assistant_ids" doc:"restrict the item to these assistants; empty: all"`
	Language     *string   `json:"language" doc:"ISO 639-1 code of the content; guessed when absent"`
}

type qaInput struct {
	knowledgeCommon
	Question *string   `json:"question"`
	Answer   *string   `json:"answer"`
	Tags     *[]string `json:"tags"`
	Source   *string   `json:"source"`
}

type urlInput struct {
	knowledgeCommon
	URL             *string                 `json:"url"`
	Crawl           *lorebase.CrawlSettings `json:"crawl" doc:"crawl settings; the same fields are also accepted at the top level"`
	MaxDepth        *int                    `json:"max_depth"`
	MaxPages        *int                    `json:"max_pages"`
	Include         *[]string               `json:"include"`
	Exclude         *[]string               `json:"exclude"`
	AllowedHosts    *[]string               `json:"allowed_hosts"`
	RecrawlInterval *string                 `json:"recrawl_interval"`
}

// fileForm documents the multipart upload.
type fileForm struct {
	Title        string `json:"title"`
	FileType     string `json:"file_type" doc:"pdf, text, markdown, html, csv, json or svg; guessed from the file when absent"`
	File         string `json:"file" doc:"the file (binary)"`
	AssistantIDs string `json:"assistant_ids" doc:"comma-separated assistant ids"`
	Language     string `json:"language"`
}

type knowledgePatchInput struct {
	knowledgeCommon
	Question *string                 `json:"question"`
	Answer   *string                 `json:"answer"`
	Tags     *[]string               `json:"tags"`
	Source   *string                 `json:"source"`
	Crawl    *lorebase.CrawlSettings `json:"crawl"`
}

func checkText(ve *lorebase.ValidationError, field string, v *string, required bool, max int) string {
	if v == nil {
		if required {
			ve.Add(field, "is required")
		}
		return ""
	}
	s := strings.TrimSpace(*v)
	switch {
	case required && s == "":
		ve.Add(field, "must not be empty")
	case utf8.RuneCountInString(s) > max:
		ve.Add(field, "is too long (at most "+itoa(max)+" characters)")
	}
	return s
}

// checkCommon validates the shared fields and that the named assistants are the caller's.
func (s *Server) checkCommon(ctx context.Context, orgID string, c *knowledgeCommon, ve *lorebase.ValidationError) {
	if c.Title != nil {
		t := checkText(ve, "title", c.Title, false, 300)
		c.Title = &t
	}
	if c.Language != nil && *c.Language != "" {
		if l, ok := normalizeLanguage(*c.Language); ok {
			l = strings.SplitN(l, "-", 2)[0]
			c.Language = &l
		} else {
			ve.Add("language", "must be a language code such as en or de")
		}
	}
	if c.AssistantIDs != nil {
		for _, id := range *c.AssistantIDs {
			if _, err := s.deps.Assistants.Get(ctx, orgID, id); err != nil {
				ve.Add("assistant_ids", "names an assistant that does not exist: "+id)
				break
			}
		}
	}
}

func (c knowledgeCommon) apply(it *lorebase.KnowledgeItem) {
	if c.Title != nil {
		it.Title = *c.Title
	}
	if c.AssistantIDs != nil {
		it.AssistantIDs = *c.AssistantIDs
	}
	if c.Language != nil {
		it.Language = *c.Language
	}
}

func (s *Server) createQA(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in qaInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	q := checkText(ve, "question", in.Question, true, 2000)
	a := checkText(ve, "answer", in.Answer, true, 20000)
	src := checkText(ve, "source", in.Source, false, 500)
	if in.Tags != nil && len(*in.Tags) > 50 {
		ve.Add("tags", "must have at most 50 tags")
	}
	s.checkCommon(r.Context(), p.orgID, &in.knowledgeCommon, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	it := lorebase.KnowledgeItem{OrganizationID: p.orgID, Type: lorebase.KnowledgeQA, Title: q, Question: q, Answer: a, Source: src}
	if in.Tags != nil {
		it.Tags = *in.Tags
	}
	in.knowledgeCommon.apply(&it)
	created, err := s.deps.Knowledge.Create(r.Context(), it, "", nil)
	if err != nil {
		return err
	}
	writeData(w, http.StatusAccepted, created)
	return nil
}

func (s *Server) createURL(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	var in urlInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	raw := checkText(ve, "url", in.URL, true, 2000)
	if raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ve.Add("url", "must be an absolute http or https URL")
		}
	}
	settings := lorebase.CrawlSettings{}
	if in.Crawl != nil {
		settings = *in.Crawl
	}
	if in.MaxDepth != nil {
		settings.MaxDepth = *in.MaxDepth
	}
	if in.MaxPages != nil {
		settings.MaxPages = *in.MaxPages
	}
	if in.Include != nil {
		settings.Include = *in.Include
	}
	if in.Exclude != nil {
		settings.Exclude = *in.Exclude
	}
	if in.AllowedHosts != nil {
		settings.AllowedHosts = *in.AllowedHosts
	}
	if in.RecrawlInterval != nil {
		settings.RecrawlInterval = *in.RecrawlInterval
	}
	checkCrawl(ve, &settings)
	s.checkCommon(r.Context(), p.orgID, &in.knowledgeCommon, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	it := lorebase.KnowledgeItem{OrganizationID: p.orgID, Type: lorebase.KnowledgeURL, Title: raw, URL: raw, Crawl: &settings}
	in.knowledgeCommon.apply(&it)
	created, err := s.deps.Knowledge.Create(r.Context(), it, "", nil)
	if err != nil {
		return err
	}
	writeData(w, http.StatusAccepted, created)
	return nil
}

func checkCrawl(ve *lorebase.ValidationError, c *lorebase.CrawlSettings) {
	if c.MaxDepth < 0 || c.MaxDepth > 10 {
		ve.Add("max_depth", "must be from 0 to 10")
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = lorebase.CrawlMaxDepthDefault
	}
	if c.MaxPages < 0 || c.MaxPages > lorebase.CrawlMaxPagesLimit {
		ve.Add("max_pages", "must be from 1 to "+itoa(lorebase.CrawlMaxPagesLimit))
	}
	if c.MaxPages == 0 {
		c.MaxPages = lorebase.CrawlMaxPagesDefault
	}
	if c.RecrawlInterval != "" {
		d, err := time.ParseDuration(c.RecrawlInterval)
		if err != nil || d < 5*time.Minute {
			ve.Add("recrawl_interval", "must be a duration of at least 5m, such as 24h")
		}
	}
	if len(c.Include) > 50 || len(c.Exclude) > 50 || len(c.AllowedHosts) > 50 {
		ve.Add("crawl", "at most 50 include, exclude and allowed_hosts entries each")
	}
}

func (s *Server) createFile(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return lorebase.Errorf(lorebase.ErrUnsupported, "Unsupported media type: upload files as multipart/form-data with fields title, file_type and file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadLimit+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return lorebase.Errorf(lorebase.ErrTooLarge, "File too large: the limit is %d MiB", s.cfg.UploadLimit>>20)
		}
		if isReadTimeout(err) {
			return errBodyTimeout
		}
		return lorebase.Errorf(lorebase.ErrMalformed, "Malformed multipart body: %s", err)
	}
	defer r.MultipartForm.RemoveAll() //nolint:errcheck
	f, hdr, err := r.FormFile("file")
	ve := &lorebase.ValidationError{}
	if err != nil {
		ve.Add("file", "is required")
		return ve
	}
	defer f.Close()
	if hdr.Size > s.cfg.UploadLimit {
		return lorebase.Errorf(lorebase.ErrTooLarge, "File too large: the limit is %d MiB", s.cfg.UploadLimit>>20)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		ve.Add("file", "is empty")
		return ve
	}
	rejectNULInForm(ve, map[string]string{"title": r.FormValue("title"), "language": r.FormValue("language"),
		"assistant_ids": r.FormValue("assistant_ids"), "file_type": r.FormValue("file_type"), "file.filename": hdr.Filename})
	if err := ve.Err(); err != nil {
		return err
	}
	fileType, err := pipeline.DetectType(r.FormValue("file_type"), hdr.Filename, data)
	if err != nil {
		return lorebase.Errorf(lorebase.ErrUnsupported, "Unsupported media type: %s", strings.TrimPrefix(err.Error(), lorebase.ErrUnsupported.Error()+": "))
	}
	if data, err = decryptUpload(r, fileType, data, ve); err != nil {
		return err
	}
	common := knowledgeCommon{}
	if v := r.FormValue("title"); v != "" {
		common.Title = &v
	}
	if v := r.FormValue("language"); v != "" {
		common.Language = &v
	}
	if v := r.FormValue("assistant_ids"); v != "" {
		ids := splitIDs(v)
		common.AssistantIDs = &ids
	}
	s.checkCommon(r.Context(), p.orgID, &common, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	it := lorebase.KnowledgeItem{OrganizationID: p.orgID, Type: lorebase.KnowledgeFile, Title: hdr.Filename,
		FileType: fileType, FileName: hdr.Filename, FileSize: int64(len(data))}
	common.apply(&it)
	created, err := s.deps.Knowledge.Create(r.Context(), it, hex.EncodeToString(sum[:]), data)
	if err != nil {
		return err
	}
	writeData(w, http.StatusAccepted, created)
	return nil
}

// decryptUpload applies the optional "password" field of a file upload: a protected PDF is
// decrypted here and stored without its protection, so the password never reaches the
// database, a job's arguments or a log line, and is never echoed back.
func decryptUpload(r *http.Request, fileType string, data []byte, ve *lorebase.ValidationError) ([]byte, error) {
	pw := r.FormValue("password")
	delete(r.MultipartForm.Value, "password")
	if pw == "" {
		return data, nil
	}
	if fileType != pipeline.TypePDF {
		ve.Add("password", "applies to PDF files only")
		return nil, ve
	}
	clear, err := pdf.Decrypt(data, pw)
	switch {
	case errors.Is(err, pdf.ErrWrongPassword):
		ve.Add("password", "does not open this PDF")
		return nil, ve
	case err != nil:
		ve.Add("file", "could not be decrypted: the PDF is damaged")
		return nil, ve
	}
	return clear, nil
}

// splitIDs reads a comma-separated list or a JSON array.
func splitIDs(v string) []string {
	var ids []string
	if strings.HasPrefix(strings.TrimSpace(v), "[") && json.Unmarshal([]byte(v), &ids) == nil {
		return ids
	}
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			ids = append(ids, p)
		}
	}
	return ids
}

// kindOf reads the {kind} of a typed route; "" for the untyped ones.
func kindOf(r *http.Request) (lorebase.KnowledgeType, error) {
	k := r.PathValue("kind")
	if k == "" {
		return "", nil
	}
	t, ok := kindTypes[k]
	if !ok {
		return "", lorebase.Errorf(lorebase.ErrNotFound, "Not found - no route for %s", r.URL.Path)
	}
	return t, nil
}

func (s *Server) listKnowledge(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	f := lorebase.KnowledgeFilter{Type: lorebase.KnowledgeType(r.URL.Query().Get("type")), Status: lorebase.KnowledgeStatus(r.URL.Query().Get("status"))}
	if t, ok := kindTypes[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/knowledge/"), "/")]; ok {
		f.Type = t
	}
	items, total, err := s.deps.KnowledgeReader.List(r.Context(), p.orgID, f, page)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, listData[lorebase.KnowledgeItem]{Items: nonNil(items), Total: total, Page: page.Page, PageSize: page.PageSize})
	return nil
}

// getOwned finds an item of the caller's organization, of the route's kind if it has one.
func (s *Server) getOwned(r *http.Request) (lorebase.KnowledgeItem, error) {
	p := principalFrom(r.Context())
	t, err := kindOf(r)
	if err != nil {
		return lorebase.KnowledgeItem{}, err
	}
	it, err := s.deps.KnowledgeReader.Get(r.Context(), p.orgID, r.PathValue("id"))
	if err != nil {
		return it, err
	}
	if t != "" && it.Type != t {
		return it, lorebase.ErrNotFound
	}
	return it, nil
}

func (s *Server) getKnowledge(w http.ResponseWriter, r *http.Request) error {
	it, err := s.getOwned(r)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, it)
	return nil
}

func (s *Server) patchKnowledge(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	it, err := s.getOwned(r)
	if err != nil {
		return err
	}
	var in knowledgePatchInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ve := &lorebase.ValidationError{}
	patch := lorebase.KnowledgePatch{Tags: in.Tags, Crawl: in.Crawl}
	if it.Type != lorebase.KnowledgeQA && (in.Question != nil || in.Answer != nil || in.Tags != nil || in.Source != nil) {
		ve.Add("question", "question, answer, tags and source apply to Q&A items only")
	}
	if it.Type != lorebase.KnowledgeURL && in.Crawl != nil {
		ve.Add("crawl", "crawl settings apply to URL items only")
	}
	if in.Question != nil {
		q := checkText(ve, "question", in.Question, true, 2000)
		patch.Question = &q
	}
	if in.Answer != nil {
		a := checkText(ve, "answer", in.Answer, true, 20000)
		patch.Answer = &a
	}
	if in.Source != nil {
		src := checkText(ve, "source", in.Source, false, 500)
		patch.Source = &src
	}
	if in.Crawl != nil {
		checkCrawl(ve, in.Crawl)
	}
	s.checkCommon(r.Context(), p.orgID, &in.knowledgeCommon, ve)
	if err := ve.Err(); err != nil {
		return err
	}
	patch.Title, patch.AssistantIDs, patch.Language = in.Title, in.AssistantIDs, in.Language
	updated, err := s.deps.Knowledge.Update(r.Context(), p.orgID, it.ID, patch)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, updated)
	return nil
}

func (s *Server) deleteKnowledge(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	it, err := s.getOwned(r)
	if err != nil {
		return err
	}
	if err := s.deps.Knowledge.Delete(r.Context(), p.orgID, it.ID); err != nil {
		return err
	}
	writeData(w, http.StatusOK, deleted{ID: it.ID, Deleted: true})
	return nil
}

func (s *Server) reindexKnowledge(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	it, err := s.getOwned(r)
	if err != nil {
		return err
	}
	re, err := s.deps.Knowledge.Reindex(r.Context(), p.orgID, it.ID)
	if err != nil {
		return err
	}
	writeData(w, http.StatusAccepted, re)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
