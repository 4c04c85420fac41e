package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// TestWidgetCommand: lorebase widget create stores a validated configuration for the
// organization's assistant and prints the embed snippet; snippet prints it again.
func TestWidgetCommand(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	orgs := store.NewOrganizations(db.Pool)
	org, creds, err := orgs.Create(ctx, "ACME", 0, []string{"https://shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := orgs.Create(ctx, "Globex", 0, []string{"https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	assistants := store.NewAssistants(db.Pool)
	a, err := assistants.Create(ctx, lorebase.Assistant{OrganizationID: org.ID, Name: "Helper", Tone: "friendly", Language: "en", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := assistants.Create(ctx, lorebase.Assistant{OrganizationID: other.ID, Name: "Beta", Tone: "friendly", Language: "en", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}

	out, err := runCLI(t, "widget", "create", org.ID, "--database-url", db.URL, "--assistant", a.ID, "--title", "Ajuda", "--language", "pt-BR",
		"--primary-color", "#ff6600", "--settings", `{"button_size":"lg","subtitle":{"pt-BR":"Pergunte"}}`, "--widget-hosts", "https://widget.example")
	if err != nil {
		t.Fatalf("widget create: %v\n%s", err, out)
	}
	var printed struct {
		WidgetConfig lorebase.WidgetConfig `json:"widget_config"`
		ClientID     string                `json:"client_id"`
		Snippet      string                `json:"snippet"`
	}
	if err := json.Unmarshal([]byte(out), &printed); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	c := printed.WidgetConfig
	want := `<script src="https://widget.example/widget.js" data-client-id="` + creds.Client.ClientID + `" data-assistant-id="` + a.ID +
		`" data-config-id="` + c.ID + `" async></script>`
	if printed.Snippet != want || printed.ClientID != creds.Client.ClientID {
		t.Fatalf("snippet %q, want %q", printed.Snippet, want)
	}
	stored, err := store.NewWidgetConfigs(db.Pool).Get(ctx, org.ID, c.ID)
	if err != nil || stored.PrimaryColor != "#ff6600" || stored.Title["pt-BR"] != "Ajuda" || stored.DefaultLanguage != "pt-BR" ||
		stored.ButtonSize != "lg" || stored.Subtitle["pt-BR"] != "Pergunte" || stored.Position != "bottom-right" {
		t.Fatalf("stored: %+v %v", stored, err)
	}

	out, err = runCLI(t, "widget", "snippet", org.ID, c.ID, "--database-url", db.URL, "--script-url", "https://cdn.example/w.js", "--api-url", "https://api.example/")
	if err != nil || !strings.Contains(out, `<script src=\"https://cdn.example/w.js\" data-api-url=\"https://api.example\" data-client-id=`) {
		t.Fatalf("widget snippet: %v\n%s", err, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--assistant", a.ID, "--primary-color", "orange", "--position", "middle"}, "primary_color must be a hex color"},
		{[]string{"--assistant", b.ID}, "assistant_id does not name an assistant of this organization"},
		{[]string{"--title", "x"}, "--assistant is required"},
		{[]string{"--assistant", a.ID, "--client", "lbc_nobody"}, "is not a client of organization"},
		{[]string{"--assistant", a.ID, "--settings", `{"opacity":"high"}`}, "--settings"},
	} {
		args := append([]string{"widget", "create", org.ID, "--database-url", db.URL, "--script-url", "https://cdn.example/w.js"}, c.args...)
		if _, err := runCLI(t, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	list, _, err := store.NewWidgetConfigs(db.Pool).List(ctx, org.ID, "", lorebase.Page{Page: 1, PageSize: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("refused creates stored configurations: %d %v", len(list), err)
	}
}

func TestWidgetHostList(t *testing.T) {
	t.Parallel()
	got, err := widgetHostList(" https://Widget.example/ , http://127.0.0.1:8081")
	if err != nil || len(got) != 2 || got[0] != "https://widget.example" || got[1] != "http://127.0.0.1:8081" {
		t.Fatalf("widgetHostList: %q %v", got, err)
	}
	for _, bad := range []string{"widget.example", "https://widget.example/path", "ftp://widget.example", "https://", "https://w.example?x=1"} {
		if _, err := widgetHostList(bad); err == nil {
			t.Errorf("%q accepted as a widget host", bad)
		}
	}
}
