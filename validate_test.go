package lorebase

import (
	"errors"
	"strings"
	"testing"
)

func fields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestKnowledgeItemValidate(t *testing.T) {
	t.Parallel()
	qa := KnowledgeItem{OrganizationID: "org", Type: KnowledgeQA, Title: "Q?", Question: "Q?", Answer: "A."}
	url := KnowledgeItem{OrganizationID: "org", Type: KnowledgeURL, Title: "https://docs.example/", URL: "https://docs.example/",
		Crawl: &CrawlSettings{MaxDepth: 2, MaxPages: 50, RecrawlInterval: "24h"}}
	file := KnowledgeItem{OrganizationID: "org", Type: KnowledgeFile, Title: "Manual", FileType: "pdf", FileName: "m.pdf", FileSize: 10, Language: "pt-BR"}
	tests := []struct {
		name string
		it   KnowledgeItem
		want string // the first invalid field, "" when valid
	}{
		{"qa", qa, ""},
		{"url", url, ""},
		{"file", file, ""},
		{"no organization", func() KnowledgeItem { it := qa; it.OrganizationID = ""; return it }(), "organization_id"},
		{"unknown type", func() KnowledgeItem { it := qa; it.Type = "video"; return it }(), "type"},
		{"qa without answer", func() KnowledgeItem { it := qa; it.Answer = "  "; return it }(), "answer"},
		{"qa question too long", func() KnowledgeItem { it := qa; it.Question = strings.Repeat("é", QuestionMax+1); return it }(), "question"},
		{"too many tags", func() KnowledgeItem { it := qa; it.Tags = make([]string, TagsMax+1); return it }(), "tags"},
		{"relative url", func() KnowledgeItem { it := url; it.URL = "/docs"; return it }(), "url"},
		{"ftp url", func() KnowledgeItem { it := url; it.URL = "ftp://docs.example/"; return it }(), "url"},
		{"deep crawl", func() KnowledgeItem { it := url; c := *it.Crawl; c.MaxDepth = 11; it.Crawl = &c; return it }(), "max_depth"},
		{"fast recrawl", func() KnowledgeItem { it := url; c := *it.Crawl; c.RecrawlInterval = "1m"; it.Crawl = &c; return it }(), "recrawl_interval"},
		{"file without type", func() KnowledgeItem { it := file; it.FileType = ""; return it }(), "file_type"},
		{"odd language", func() KnowledgeItem { it := file; it.Language = "en; DROP"; return it }(), "language"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.it.Validate()
			got := fields(err)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid item refused: %v", err)
			case tc.want != "" && (len(got) == 0 || got[0] != tc.want || !errors.Is(err, ErrInvalid)):
				t.Fatalf("fields %v (%v), want %s first and ErrInvalid", got, err, tc.want)
			}
		})
	}
}

func TestKnowledgePatchValidate(t *testing.T) {
	t.Parallel()
	empty, long := "", strings.Repeat("x", AnswerMax+1)
	if err := (KnowledgePatch{}).Validate(); err != nil {
		t.Fatalf("empty patch: %v", err)
	}
	if got := fields((KnowledgePatch{Question: &empty, Answer: &long}).Validate()); len(got) != 2 || got[0] != "question" || got[1] != "answer" {
		t.Fatalf("fields %v, want question and answer", got)
	}
}

func TestAssistantValidate(t *testing.T) {
	t.Parallel()
	ok := Assistant{OrganizationID: "org", Name: "Ava", Language: "en", DefaultTasks: []string{"billing"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid assistant refused: %v", err)
	}
	bad := ok
	bad.Name, bad.DefaultTasks = " ", []string{""}
	if got := fields(bad.Validate()); len(got) != 2 || got[0] != "name" || got[1] != "default_tasks" {
		t.Fatalf("fields %v, want name and default_tasks", got)
	}
}

func TestMessageValidate(t *testing.T) {
	t.Parallel()
	if err := (Message{Sender: SenderUser, Content: "hi"}).Validate(); err != nil {
		t.Fatal(err)
	}
	if got := fields((Message{Sender: "bot", Content: " "}).Validate()); len(got) != 2 {
		t.Fatalf("fields %v, want sender and content", got)
	}
}

func TestChunkValidate(t *testing.T) {
	t.Parallel()
	ok := Chunk{OrganizationID: "org", ItemID: "item", Content: "Refunds take five days."}
	tests := []struct {
		name string
		c    Chunk
		want []string
	}{
		{"text by default", ok, nil},
		{"qa", func() Chunk { c := ok; c.Kind = ChunkQA; return c }(), nil},
		{"no ids", Chunk{Content: "x"}, []string{"organization_id", "item_id"}},
		{"item type as kind", func() Chunk { c := ok; c.Kind = ChunkKind(KnowledgeURL); return c }(), []string{"kind"}},
	}
	for _, tt := range tests {
		if got := fields(tt.c.Validate()); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: invalid fields %v, want %v", tt.name, got, tt.want)
		}
	}
}
