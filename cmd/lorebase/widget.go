package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/store"
)

// widgetOptions are the flags of lorebase widget create and snippet.
type widgetOptions struct {
	assistant, client, name, title, greeting, language, primaryColor, position, settings string
	scriptURL, apiURL, widgetHosts                                                       string
}

func (o *widgetOptions) registerSnippet(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.client, "client", "", "the API client whose id the snippet carries (default: the organization's first active client with allowed origins)")
	f.StringVar(&o.scriptURL, "script-url", os.Getenv("LOREBASE_WIDGET_SCRIPT_URL"),
		"URL of the widget script ($LOREBASE_WIDGET_SCRIPT_URL; default: the first widget host + /widget.js)")
	f.StringVar(&o.widgetHosts, "widget-hosts", os.Getenv("LOREBASE_WIDGET_HOSTS"), "the server's widget hosts, for the default script URL ($LOREBASE_WIDGET_HOSTS)")
	f.StringVar(&o.apiURL, "api-url", os.Getenv("LOREBASE_PUBLIC_URL"), "the API's public base URL, added as data-api-url when set ($LOREBASE_PUBLIC_URL)")
}

func newWidgetCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "widget",
		Short: "Manage embedded chat widget configurations and print their embed snippets",
	}
	o := &widgetOptions{}
	create := &cobra.Command{
		Use:   "create ORGANIZATION_ID --assistant ASSISTANT_ID",
		Short: "Create a widget configuration for an assistant and print it with its embed snippet (JSON)",
		Long: `Create a widget configuration for an assistant and print it with the script tag that embeds it.
Every field not given keeps its default; --settings takes any fields of the API's widget
configuration as a JSON object (colors, position, sizes, language maps), e.g.
--settings '{"title":{"en":"Help","pt-BR":"Ajuda"},"button_size":"lg"}'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			patch, err := o.patch()
			if err != nil {
				return err
			}
			return withDatabase(cmd, opts, func(pool *pgxpool.Pool) error {
				client, err := o.snippetClient(cmd, store.NewOrganizations(pool), args[0])
				if err != nil {
					return err
				}
				c := lorebase.NewWidgetConfig()
				c.OrganizationID = args[0]
				if err := patch.Apply(&c); err != nil {
					return fieldErrors(err)
				}
				created, err := store.NewWidgetConfigs(pool).Create(cmd.Context(), c)
				if err != nil {
					return fieldErrors(err)
				}
				return o.printSnippet(cmd.OutOrStdout(), client, created)
			})
		},
	}
	f := create.Flags()
	f.StringVar(&o.assistant, "assistant", "", "the assistant the widget talks to (required)")
	f.StringVar(&o.name, "name", "", "a label for the configuration")
	f.StringVar(&o.title, "title", "", "the widget's title in --language")
	f.StringVar(&o.greeting, "greeting", "", "the greeting message in --language")
	f.StringVar(&o.language, "language", "", "language of --title and --greeting, and the default language (default en)")
	f.StringVar(&o.primaryColor, "primary-color", "", "the main color, #RGB or #RRGGBB")
	f.StringVar(&o.position, "position", "", "bottom-right, bottom-left, top-right or top-left")
	f.StringVar(&o.settings, "settings", "", "more fields as a JSON object")
	o.registerSnippet(create)

	snippet := &cobra.Command{
		Use:   "snippet ORGANIZATION_ID CONFIG_ID",
		Short: "Print an existing widget configuration with its embed snippet (JSON)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDatabase(cmd, opts, func(pool *pgxpool.Pool) error {
				c, err := store.NewWidgetConfigs(pool).Get(cmd.Context(), args[0], args[1])
				if err != nil {
					return fmt.Errorf("widget configuration %s of organization %s: %w", args[1], args[0], err)
				}
				client, err := o.snippetClient(cmd, store.NewOrganizations(pool), args[0])
				if err != nil {
					return err
				}
				return o.printSnippet(cmd.OutOrStdout(), client, c)
			})
		},
	}
	o.registerSnippet(snippet)
	cmd.AddCommand(create, snippet)
	return cmd
}

// patch turns the flags into a configuration patch; --settings first, the named flags over it.
func (o *widgetOptions) patch() (lorebase.WidgetConfigPatch, error) {
	var p lorebase.WidgetConfigPatch
	if strings.TrimSpace(o.settings) != "" {
		dec := json.NewDecoder(strings.NewReader(o.settings))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			return p, fmt.Errorf("--settings: %w", err)
		}
	}
	if strings.TrimSpace(o.assistant) == "" {
		return p, errors.New("--assistant is required")
	}
	p.AssistantID = &o.assistant
	lang := o.language
	if lang == "" {
		lang = "en"
		if p.DefaultLanguage != nil {
			lang = *p.DefaultLanguage
		}
	} else {
		p.DefaultLanguage = &lang
	}
	for _, f := range []struct {
		v   string
		dst **string
	}{{o.name, &p.Name}, {o.primaryColor, &p.PrimaryColor}, {o.position, &p.Position}} {
		if f.v != "" {
			v := f.v
			*f.dst = &v
		}
	}
	if o.title != "" {
		p.Title = &map[string]string{lang: o.title}
	}
	if o.greeting != "" {
		p.GreetingMessage = &lorebase.Greeting{Text: map[string]string{lang: o.greeting}}
	}
	return p, nil
}

// snippetClient picks the API client whose id the snippet carries.
func (o *widgetOptions) snippetClient(cmd *cobra.Command, orgs *store.Organizations, orgID string) (lorebase.APIClient, error) {
	if _, err := orgs.Get(cmd.Context(), orgID); err != nil {
		return lorebase.APIClient{}, fmt.Errorf("organization %s: %w", orgID, err)
	}
	clients, err := orgs.Clients(cmd.Context(), orgID)
	if err != nil {
		return lorebase.APIClient{}, err
	}
	i := slices.IndexFunc(clients, func(c lorebase.APIClient) bool {
		if o.client != "" {
			return c.ClientID == o.client
		}
		return c.IsActive && len(c.AllowedOrigins) > 0
	})
	switch {
	case i < 0 && o.client != "":
		return lorebase.APIClient{}, fmt.Errorf("--client %s is not a client of organization %s", o.client, orgID)
	case i < 0:
		return lorebase.APIClient{}, fmt.Errorf("organization %s has no active client with allowed origins: add them with lorebase org client origins CLIENT_ID --set https://your.site", orgID)
	}
	c := clients[i]
	if !c.IsActive || len(c.AllowedOrigins) == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: client %s is inactive or allows no origin; its widget tokens will be refused\n", c.ClientID)
	}
	return c, nil
}

// printSnippet prints the configuration and the script tag that embeds it.
func (o *widgetOptions) printSnippet(w io.Writer, client lorebase.APIClient, c lorebase.WidgetConfig) error {
	script := o.scriptURL
	if script == "" {
		hosts, err := widgetHostList(o.widgetHosts)
		if err != nil {
			return err
		}
		if len(hosts) == 0 {
			return errors.New("no widget script URL: pass --script-url, or --widget-hosts (or LOREBASE_WIDGET_HOSTS) for HOST/widget.js")
		}
		script = hosts[0] + "/widget.js"
	}
	attrs := []string{`src="` + html.EscapeString(script) + `"`}
	if o.apiURL != "" {
		attrs = append(attrs, `data-api-url="`+html.EscapeString(strings.TrimSuffix(o.apiURL, "/"))+`"`)
	}
	attrs = append(attrs, `data-client-id="`+html.EscapeString(client.ClientID)+`"`, `data-assistant-id="`+html.EscapeString(c.AssistantID)+`"`,
		`data-config-id="`+html.EscapeString(c.ID)+`"`)
	// Not HTML-escaped: the snippet is meant to be copied as it is.
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{
		"widget_config": c, "client_id": client.ClientID, "allowed_origins": client.AllowedOrigins,
		"snippet": "<script " + strings.Join(attrs, " ") + " async></script>",
	})
}

// fieldErrors spells out every invalid field of a validation error.
func fieldErrors(err error) error {
	var ve *lorebase.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	parts := make([]string, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return fmt.Errorf("invalid widget configuration: %s", strings.Join(parts, "; "))
}

// withDatabase opens the configured database for a command and closes it after fn.
func withDatabase(cmd *cobra.Command, opts *globalOptions, fn func(*pgxpool.Pool) error) error {
	logger, err := opts.logger(io.Discard)
	if err != nil {
		return err
	}
	if opts.logLevel == "debug" {
		logger, _ = opts.logger(os.Stderr)
	}
	db, err := opts.openDatabase(cmd.Context(), logger, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db.Pool)
}
