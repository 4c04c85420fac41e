package lorebase

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWidgetConfigDefaultsAreValid(t *testing.T) {
	c := NewWidgetConfig()
	if err := (WidgetConfigPatch{AssistantID: ptr("a")}).Apply(&c); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestWidgetConfigPatch(t *testing.T) {
	cases := []struct {
		name  string
		patch string
		field string // the invalid field, empty when valid
		check func(WidgetConfig) bool
	}{
		{"font weight number", `{"font_weight":700}`, "", func(c WidgetConfig) bool { return c.FontWeight == "700" }},
		{"font weight word", `{"font_weight":" Bold "}`, "", func(c WidgetConfig) bool { return c.FontWeight == "bold" }},
		{"font weight off the scale", `{"font_weight":650}`, "font_weight", nil},
		{"three-digit color", `{"primary_color":"#AbC"}`, "", func(c WidgetConfig) bool { return c.PrimaryColor == "#AbC" }},
		{"color with alpha", `{"text_color":"#11223344"}`, "text_color", nil},
		{"named color", `{"background_color":"white"}`, "background_color", nil},
		{"position", `{"position":"top-right"}`, "", func(c WidgetConfig) bool { return c.Position == "top-right" }},
		{"bad position", `{"position":"center"}`, "position", nil},
		{"opacity edge", `{"opacity":0.1}`, "", func(c WidgetConfig) bool { return c.Opacity == 0.1 }},
		{"opacity zero", `{"opacity":0}`, "opacity", nil},
		{"radius bounds", `{"border_radius":48,"message_bubble_radius":0}`, "", func(c WidgetConfig) bool { return c.BorderRadius == 48 }},
		{"radius over", `{"button_border_radius":49}`, "button_border_radius", nil},
		{"title replaced whole", `{"title":{"de":"Hilfe"}}`, "", func(c WidgetConfig) bool { return len(c.Title) == 1 && c.Title["de"] == "Hilfe" }},
		{"title emptied", `{"title":{}}`, "", func(c WidgetConfig) bool { return c.Title != nil && len(c.Title) == 0 }},
		{"title null keeps it", `{"title":null}`, "", func(c WidgetConfig) bool { return c.Title["en"] != "" }},
		{"language key", `{"placeholder":{"english":"x"}}`, "placeholder", nil},
		{"long subtitle", `{"subtitle":{"en":"` + strings.Repeat("é", 201) + `"}}`, "subtitle.en", nil},
		{"greeting", `{"greeting_message":{"text":{"pt-BR":"Olá"}}}`, "", func(c WidgetConfig) bool { return c.GreetingMessage.Text["pt-BR"] == "Olá" }},
		{"CSS injection in the font", `{"font_family":"Arial; background:url(x)"}`, "font_family", nil},
		{"widget type", `{"widget_type":"popup"}`, "widget_type", nil},
		{"default language", `{"default_language":"pt_BR"}`, "default_language", nil},
		{"no assistant", `{"assistant_id":""}`, "assistant_id", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p WidgetConfigPatch
			if err := json.Unmarshal([]byte(c.patch), &p); err != nil {
				t.Fatal(err)
			}
			cfg := NewWidgetConfig()
			cfg.AssistantID = "a"
			err := p.Apply(&cfg)
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !c.check(cfg) {
					t.Fatalf("applied wrongly: %+v", cfg)
				}
				return
			}
			ve, ok := err.(*ValidationError)
			if !ok || len(ve.Fields) != 1 || ve.Fields[0].Field != c.field {
				t.Fatalf("error %v, want exactly one on %s", err, c.field)
			}
		})
	}
}
