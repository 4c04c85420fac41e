package lorebase

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WidgetConfig is how an embedded chat widget looks and greets: one organization's settings for
// one of its assistants, read by the widget with its token at start-up.
type WidgetConfig struct {
	ID                  string            `json:"id"`
	OrganizationID      string            `json:"organization_id"`
	AssistantID         string            `json:"assistant_id"`
	Name                string            `json:"name" doc:"a label for the console; not shown to visitors"`
	WidgetType          string            `json:"widget_type" doc:"always chat"`
	PrimaryColor        string            `json:"primary_color" doc:"#RGB or #RRGGBB"`
	SecondaryColor      string            `json:"secondary_color"`
	BackgroundColor     string            `json:"background_color"`
	TextColor           string            `json:"text_color"`
	BorderRadius        int               `json:"border_radius" doc:"pixels, 0-48"`
	StartOpen           bool              `json:"start_open"`
	HideOnMobile        bool              `json:"hide_on_mobile"`
	Title               map[string]string `json:"title" doc:"language tag → text"`
	Subtitle            map[string]string `json:"subtitle" doc:"language tag → text"`
	Placeholder         map[string]string `json:"placeholder" doc:"language tag → text"`
	GreetingMessage     Greeting          `json:"greeting_message"`
	DefaultLanguage     string            `json:"default_language" doc:"a language tag such as en or pt-BR"`
	FontFamily          string            `json:"font_family"`
	FontSize            int               `json:"font_size" doc:"pixels, 10-24"`
	FontWeight          string            `json:"font_weight" doc:"normal, bold or 100-900; a number is accepted"`
	Position            string            `json:"position" doc:"bottom-right, bottom-left, top-right or top-left"`
	EdgeOffset          int               `json:"edge_offset" doc:"pixels from the window's edges, 0-200"`
	ButtonSize          string            `json:"button_size" doc:"sm, md or lg"`
	MessageBubbleRadius int               `json:"message_bubble_radius" doc:"pixels, 0-48"`
	ButtonBorderRadius  int               `json:"button_border_radius" doc:"pixels, 0-48"`
	Opacity             float64           `json:"opacity" doc:"background opacity, 0.1-1"`
	ShadowIntensity     string            `json:"shadow_intensity" doc:"none, sm, md, lg or xl"`
	ShadowColor         string            `json:"shadow_color"`
	ShowTimestamps      bool              `json:"show_timestamps"`
	ShowTypingIndicator bool              `json:"show_typing_indicator"`
	WidgetWidth         int               `json:"widget_width" doc:"pixels, 280-800"`
	WidgetHeight        int               `json:"widget_height" doc:"pixels, 320-1000"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
}

// Greeting is the first message the widget shows, per language.
type Greeting struct {
	Text map[string]string `json:"text" doc:"language tag → text"`
}

// Widget configuration choices and limits.
var (
	WidgetPositions         = []string{"bottom-right", "bottom-left", "top-right", "top-left"}
	WidgetButtonSizes       = []string{"sm", "md", "lg"}
	WidgetShadowIntensities = []string{"none", "sm", "md", "lg", "xl"}
	widgetFontWeights       = []string{"normal", "bold", "100", "200", "300", "400", "500", "600", "700", "800", "900"}
)

const (
	widgetLabelMax    = 200  // title, subtitle, placeholder: characters per language
	widgetGreetingMax = 2000 // greeting text: characters per language
	widgetLanguageMax = 50   // languages per text map
)

// NewWidgetConfig returns a configuration with every field at its default.
func NewWidgetConfig() WidgetConfig {
	return WidgetConfig{
		WidgetType: "chat", PrimaryColor: "#2563eb", SecondaryColor: "#1e40af", BackgroundColor: "#ffffff", TextColor: "#111827",
		BorderRadius: 12, Title: map[string]string{"en": "Chat with us"}, Subtitle: map[string]string{"en": "We usually answer right away"},
		Placeholder: map[string]string{"en": "Type your question…"}, GreetingMessage: Greeting{Text: map[string]string{"en": "Hi! How can I help you today?"}},
		DefaultLanguage: "en", FontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", FontSize: 14, FontWeight: "400",
		Position: "bottom-right", EdgeOffset: 20, ButtonSize: "md", MessageBubbleRadius: 12, ButtonBorderRadius: 12,
		Opacity: 1, ShadowIntensity: "md", ShadowColor: "#000000", ShowTimestamps: false, ShowTypingIndicator: true,
		WidgetWidth: 380, WidgetHeight: 600,
	}
}

// WidgetConfigPatch holds the fields a create or PATCH sets; nil means unchanged (the default
// on create). Text maps are replaced whole.
type WidgetConfigPatch struct {
	AssistantID         *string            `json:"assistant_id"`
	Name                *string            `json:"name"`
	WidgetType          *string            `json:"widget_type"`
	PrimaryColor        *string            `json:"primary_color"`
	SecondaryColor      *string            `json:"secondary_color"`
	BackgroundColor     *string            `json:"background_color"`
	TextColor           *string            `json:"text_color"`
	BorderRadius        *int               `json:"border_radius"`
	StartOpen           *bool              `json:"start_open"`
	HideOnMobile        *bool              `json:"hide_on_mobile"`
	Title               *map[string]string `json:"title"`
	Subtitle            *map[string]string `json:"subtitle"`
	Placeholder         *map[string]string `json:"placeholder"`
	GreetingMessage     *Greeting          `json:"greeting_message"`
	DefaultLanguage     *string            `json:"default_language"`
	FontFamily          *string            `json:"font_family"`
	FontSize            *int               `json:"font_size"`
	FontWeight          json.RawMessage    `json:"font_weight" types:"string,integer" doc:"normal, bold or 100-900 (string or number)"`
	Position            *string            `json:"position"`
	EdgeOffset          *int               `json:"edge_offset"`
	ButtonSize          *string            `json:"button_size"`
	MessageBubbleRadius *int               `json:"message_bubble_radius"`
	ButtonBorderRadius  *int               `json:"button_border_radius"`
	Opacity             *float64           `json:"opacity"`
	ShadowIntensity     *string            `json:"shadow_intensity"`
	ShadowColor         *string            `json:"shadow_color"`
	ShowTimestamps      *bool              `json:"show_timestamps"`
	ShowTypingIndicator *bool              `json:"show_typing_indicator"`
	WidgetWidth         *int               `json:"widget_width"`
	WidgetHeight        *int               `json:"widget_height"`
}

// Apply sets the patch's fields on c and validates the result, naming every invalid field.
func (p WidgetConfigPatch) Apply(c *WidgetConfig) error {
	ve := &ValidationError{}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setMap := func(dst *map[string]string, v *map[string]string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.AssistantID, p.AssistantID)
	set(&c.Name, p.Name)
	set(&c.WidgetType, p.WidgetType)
	set(&c.PrimaryColor, p.PrimaryColor)
	set(&c.SecondaryColor, p.SecondaryColor)
	set(&c.BackgroundColor, p.BackgroundColor)
	set(&c.TextColor, p.TextColor)
	setInt(&c.BorderRadius, p.BorderRadius)
	setBool(&c.StartOpen, p.StartOpen)
	setBool(&c.HideOnMobile, p.HideOnMobile)
	setMap(&c.Title, p.Title)
	setMap(&c.Subtitle, p.Subtitle)
	setMap(&c.Placeholder, p.Placeholder)
	if p.GreetingMessage != nil {
		c.GreetingMessage = *p.GreetingMessage
	}
	set(&c.DefaultLanguage, p.DefaultLanguage)
	set(&c.FontFamily, p.FontFamily)
	setInt(&c.FontSize, p.FontSize)
	if len(p.FontWeight) > 0 && string(p.FontWeight) != "null" {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(p.FontWeight, &s) == nil:
			c.FontWeight = strings.ToLower(strings.TrimSpace(s))
		case json.Unmarshal(p.FontWeight, &n) == nil:
			c.FontWeight = n.String()
		default:
			ve.Add("font_weight", "must be a string or a number")
		}
	}
	set(&c.Position, p.Position)
	setInt(&c.EdgeOffset, p.EdgeOffset)
	set(&c.ButtonSize, p.ButtonSize)
	setInt(&c.MessageBubbleRadius, p.MessageBubbleRadius)
	setInt(&c.ButtonBorderRadius, p.ButtonBorderRadius)
	if p.Opacity != nil {
		c.Opacity = *p.Opacity
	}
	set(&c.ShadowIntensity, p.ShadowIntensity)
	set(&c.ShadowColor, p.ShadowColor)
	setBool(&c.ShowTimestamps, p.ShowTimestamps)
	setBool(&c.ShowTypingIndicator, p.ShowTypingIndicator)
	setInt(&c.WidgetWidth, p.WidgetWidth)
	setInt(&c.WidgetHeight, p.WidgetHeight)
	c.validate(ve)
	return ve.Err()
}

// hexColor is what the widget renders: #RGB or #RRGGBB (it falls back on anything else).
var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// widgetLanguage is a BCP 47 language tag of up to two subtags.
var widgetLanguage = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$`)

// fontFamily allows CSS font lists: names, quotes, commas, spaces and hyphens, nothing that
// could end the declaration (;, {, }, url(...)).
var fontFamily = regexp.MustCompile(`^[\p{L}\p{N} ,'"\-_.]{1,200}$`)

func (c *WidgetConfig) validate(ve *ValidationError) {
	if c.AssistantID == "" {
		ve.Add("assistant_id", "is required")
	}
	if utf8.RuneCountInString(c.Name) > 200 {
		ve.Add("name", "must be at most 200 characters")
	}
	if c.WidgetType != "chat" {
		ve.Add("widget_type", `must be "chat"`)
	}
	for _, f := range []struct{ name, v string }{
		{"primary_color", c.PrimaryColor}, {"secondary_color", c.SecondaryColor}, {"background_color", c.BackgroundColor},
		{"text_color", c.TextColor}, {"shadow_color", c.ShadowColor},
	} {
		if !hexColor.MatchString(f.v) {
			ve.Add(f.name, "must be a hex color such as #2563eb or #fff")
		}
	}
	for _, f := range []struct {
		name     string
		v        int
		min, max int
	}{
		{"border_radius", c.BorderRadius, 0, 48}, {"message_bubble_radius", c.MessageBubbleRadius, 0, 48},
		{"button_border_radius", c.ButtonBorderRadius, 0, 48}, {"font_size", c.FontSize, 10, 24},
		{"edge_offset", c.EdgeOffset, 0, 200}, {"widget_width", c.WidgetWidth, 280, 800}, {"widget_height", c.WidgetHeight, 320, 1000},
	} {
		if f.v < f.min || f.v > f.max {
			ve.Add(f.name, "must be an integer from "+strconv.Itoa(f.min)+" to "+strconv.Itoa(f.max))
		}
	}
	if c.Opacity < 0.1 || c.Opacity > 1 {
		ve.Add("opacity", "must be a number from 0.1 to 1")
	}
	for _, f := range []struct {
		name, v string
		allowed []string
	}{
		{"position", c.Position, WidgetPositions}, {"button_size", c.ButtonSize, WidgetButtonSizes},
		{"shadow_intensity", c.ShadowIntensity, WidgetShadowIntensities}, {"font_weight", c.FontWeight, widgetFontWeights},
	} {
		if !slices.Contains(f.allowed, f.v) {
			ve.Add(f.name, "must be one of "+strings.Join(f.allowed, ", "))
		}
	}
	if !fontFamily.MatchString(c.FontFamily) {
		ve.Add("font_family", "must be a CSS font list (letters, digits, spaces, commas, quotes, hyphens; at most 200 characters)")
	}
	if !widgetLanguage.MatchString(c.DefaultLanguage) {
		ve.Add("default_language", "must be a language tag such as en or pt-BR")
	}
	c.Title = checkTexts(ve, "title", c.Title, widgetLabelMax)
	c.Subtitle = checkTexts(ve, "subtitle", c.Subtitle, widgetLabelMax)
	c.Placeholder = checkTexts(ve, "placeholder", c.Placeholder, widgetLabelMax)
	c.GreetingMessage.Text = checkTexts(ve, "greeting_message.text", c.GreetingMessage.Text, widgetGreetingMax)
}

// checkTexts validates a language → text map; a nil map becomes empty.
func checkTexts(ve *ValidationError, field string, m map[string]string, max int) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	if len(m) > widgetLanguageMax {
		ve.Add(field, "must have at most "+strconv.Itoa(widgetLanguageMax)+" languages")
		return m
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !widgetLanguage.MatchString(k):
			ve.Add(field, "has a key that is not a language tag such as en or pt-BR")
		case utf8.RuneCountInString(m[k]) > max:
			ve.Add(field+"."+k, "must be at most "+strconv.Itoa(max)+" characters")
		}
	}
	return m
}
