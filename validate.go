package lorebase

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits every writer respects (the API, the CLI, eval): the domain types' Validate methods
// check them, so what one door refuses no other door can store.
const (
	TitleMax          = 2000  // runes; a URL item's title is its URL
	QuestionMax       = 2000  // runes of a Q&A pair's question
	AnswerMax         = 20000 // runes of a Q&A pair's answer
	SourceMax         = 500   // runes of a Q&A pair's source
	URLMax            = 2000  // bytes of a crawl's start URL
	TagsMax           = 50    // tags of an item
	CrawlListMax      = 50    // include, exclude and allowed-host entries each
	CrawlMaxDepthMax  = 10
	RecrawlMin        = 5 * time.Minute
	AssistantNameMax  = 200  // runes
	AssistantDescMax  = 5000 // runes
	AssistantTasksMax = 50
	AssistantTaskMax  = 500 // runes of one task
	LanguageMax       = 35  // a BCP 47 tag or a text-search configuration name
)

// Validate checks what a knowledge item must satisfy before it is stored and queued: its type
// and the fields that type needs, and the length limits. It returns a *ValidationError.
func (it KnowledgeItem) Validate() error {
	ve := &ValidationError{}
	if it.OrganizationID == "" {
		ve.Add("organization_id", "is required")
	}
	if utf8.RuneCountInString(it.Title) > TitleMax {
		ve.Add("title", "is too long (at most "+strconv.Itoa(TitleMax)+" characters)")
	}
	checkLanguage(ve, it.Language)
	if len(it.Tags) > TagsMax {
		ve.Add("tags", "must have at most "+strconv.Itoa(TagsMax)+" tags")
	}
	switch it.Type {
	case KnowledgeQA:
		checkRequired(ve, "question", it.Question, QuestionMax)
		checkRequired(ve, "answer", it.Answer, AnswerMax)
		if utf8.RuneCountInString(it.Source) > SourceMax {
			ve.Add("source", "is too long (at most "+strconv.Itoa(SourceMax)+" characters)")
		}
	case KnowledgeURL:
		u, err := url.Parse(it.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(it.URL) > URLMax {
			ve.Add("url", "must be an absolute http or https URL")
		}
		if it.Crawl != nil {
			it.Crawl.validate(ve)
		}
	case KnowledgeFile:
		if strings.TrimSpace(it.FileType) == "" {
			ve.Add("file_type", "is required")
		}
		if it.FileSize < 0 {
			ve.Add("file_size", "must not be negative")
		}
	default:
		ve.Add("type", "must be file, qa or url")
	}
	return ve.Err()
}

// Validate checks a crawl's bounds; zero depth and pages mean the defaults.
func (c CrawlSettings) Validate() error {
	ve := &ValidationError{}
	c.validate(ve)
	return ve.Err()
}

func (c CrawlSettings) validate(ve *ValidationError) {
	if c.MaxDepth < 0 || c.MaxDepth > CrawlMaxDepthMax {
		ve.Add("max_depth", "must be from 0 to "+strconv.Itoa(CrawlMaxDepthMax))
	}
	if c.MaxPages < 0 || c.MaxPages > CrawlMaxPagesLimit {
		ve.Add("max_pages", "must be from 1 to "+strconv.Itoa(CrawlMaxPagesLimit))
	}
	if c.RecrawlInterval != "" {
		if d, err := time.ParseDuration(c.RecrawlInterval); err != nil || d < RecrawlMin {
			ve.Add("recrawl_interval", "must be a duration of at least 5m, such as 24h")
		}
	}
	if len(c.Include) > CrawlListMax || len(c.Exclude) > CrawlListMax || len(c.AllowedHosts) > CrawlListMax {
		ve.Add("crawl", "at most "+strconv.Itoa(CrawlListMax)+" include, exclude and allowed_hosts entries each")
	}
}

// Validate checks an assistant before it is stored.
func (a Assistant) Validate() error {
	ve := &ValidationError{}
	if a.OrganizationID == "" {
		ve.Add("organization_id", "is required")
	}
	switch n := strings.TrimSpace(a.Name); {
	case n == "":
		ve.Add("name", "must not be empty")
	case utf8.RuneCountInString(n) > AssistantNameMax:
		ve.Add("name", "must be at most "+strconv.Itoa(AssistantNameMax)+" characters")
	}
	if utf8.RuneCountInString(a.Description) > AssistantDescMax {
		ve.Add("description", "must be at most "+strconv.Itoa(AssistantDescMax)+" characters")
	}
	checkLanguage(ve, a.Language)
	if len(a.DefaultTasks) > AssistantTasksMax {
		ve.Add("default_tasks", "must have at most "+strconv.Itoa(AssistantTasksMax)+" tasks")
	}
	for _, t := range a.DefaultTasks {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > AssistantTaskMax {
			ve.Add("default_tasks", "each task must be a non-empty string of at most "+strconv.Itoa(AssistantTaskMax)+" characters")
			break
		}
	}
	return ve.Err()
}

// Validate checks a message before it is stored: a known sender and some content.
func (m Message) Validate() error {
	ve := &ValidationError{}
	if m.Sender != SenderUser && m.Sender != SenderAssistant {
		ve.Add("sender", "must be user or assistant")
	}
	if strings.TrimSpace(m.Content) == "" {
		ve.Add("content", "is required")
	}
	return ve.Err()
}

func checkRequired(ve *ValidationError, field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		ve.Add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		ve.Add(field, "is too long (at most "+strconv.Itoa(max)+" characters)")
	}
}

// checkLanguage accepts "" (detect), a language tag or a configuration name: letters, digits,
// '-' and '_' only.
func checkLanguage(ve *ValidationError, lang string) {
	if len(lang) > LanguageMax || strings.IndexFunc(lang, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		ve.Add("language", "must be a language code such as en or de")
	}
}

// Validate checks the fields a patch sets (nil fields are unchanged).
func (p KnowledgePatch) Validate() error {
	ve := &ValidationError{}
	if p.Title != nil && utf8.RuneCountInString(*p.Title) > TitleMax {
		ve.Add("title", "is too long (at most "+strconv.Itoa(TitleMax)+" characters)")
	}
	if p.Question != nil {
		checkRequired(ve, "question", *p.Question, QuestionMax)
	}
	if p.Answer != nil {
		checkRequired(ve, "answer", *p.Answer, AnswerMax)
	}
	if p.Source != nil && utf8.RuneCountInString(*p.Source) > SourceMax {
		ve.Add("source", "is too long (at most "+strconv.Itoa(SourceMax)+" characters)")
	}
	if p.Tags != nil && len(*p.Tags) > TagsMax {
		ve.Add("tags", "must have at most "+strconv.Itoa(TagsMax)+" tags")
	}
	if p.Crawl != nil {
		p.Crawl.validate(ve)
	}
	if p.Language != nil {
		checkLanguage(ve, *p.Language)
	}
	return ve.Err()
}
