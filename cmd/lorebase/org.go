package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase/store"
)

func newOrgCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Manage organizations and their API clients",
	}
	var name, origins string
	var rateLimit int
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an organization with an API client; prints its credentials as JSON (the secret is shown once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(name) == "" {
				return fmt.Errorf("--name is required")
			}
			return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
				org, creds, err := orgs.Create(cmd.Context(), strings.TrimSpace(name), rateLimit, splitList(origins))
				if err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{
					"organization_id": org.ID, "name": org.Name, "rate_limit_per_hour": org.RateLimitPerHour,
					"client_id": creds.Client.ClientID, "client_secret": creds.ClientSecret,
					"allowed_origins": creds.Client.AllowedOrigins,
				})
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "organization name (required)")
	create.Flags().StringVar(&origins, "origins", "", "comma-separated origins where the widget may be embedded, e.g. https://shop.example")
	create.Flags().IntVar(&rateLimit, "rate-limit", 1000, "requests per hour for the organization")

	list := &cobra.Command{
		Use:   "list",
		Short: "List organizations and their clients (never secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
				all, err := orgs.List(cmd.Context())
				if err != nil {
					return err
				}
				out := []map[string]any{}
				for _, o := range all {
					clients, err := orgs.Clients(cmd.Context(), o.ID)
					if err != nil {
						return err
					}
					out = append(out, map[string]any{"organization": o, "clients": clients})
				}
				return printJSON(cmd.OutOrStdout(), out)
			})
		},
	}

	var limit int
	setLimit := &cobra.Command{
		Use:   "rate-limit ORGANIZATION_ID --per-hour N",
		Short: "Set an organization's request limit per hour",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
				if err := orgs.SetRateLimit(cmd.Context(), args[0], limit); err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"organization_id": args[0], "rate_limit_per_hour": limit})
			})
		},
	}
	setLimit.Flags().IntVar(&limit, "per-hour", 1000, "requests per hour")

	cmd.AddCommand(create, list, setLimit, newClientCommand(opts))
	return cmd
}

func newClientCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Manage API clients"}
	var name, origins string
	add := &cobra.Command{
		Use:   "create ORGANIZATION_ID",
		Short: "Add an API client to an organization; prints its credentials as JSON (the secret is shown once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
				if _, err := orgs.Get(cmd.Context(), args[0]); err != nil {
					return fmt.Errorf("organization %s: %w", args[0], err)
				}
				creds, err := orgs.CreateClient(cmd.Context(), args[0], name, splitList(origins))
				if err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"organization_id": args[0], "client_id": creds.Client.ClientID,
					"client_secret": creds.ClientSecret, "allowed_origins": creds.Client.AllowedOrigins})
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "a label for the client")
	add.Flags().StringVar(&origins, "origins", "", "comma-separated allowed origins")

	var set string
	setOrigins := &cobra.Command{
		Use:   "origins CLIENT_ID --set ORIGIN[,ORIGIN...]",
		Short: "Replace the origins where a client's widget may be embedded (empty --set clears them)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
				list := splitList(set)
				if err := orgs.SetClientOrigins(cmd.Context(), args[0], list); err != nil {
					return fmt.Errorf("client %s: %w", args[0], err)
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"client_id": args[0], "allowed_origins": list})
			})
		},
	}
	setOrigins.Flags().StringVar(&set, "set", "", "comma-separated origins")

	activation := func(use string, active bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " CLIENT_ID",
			Short: strings.ToUpper(use[:1]) + use[1:] + " an API client (its keys and widget tokens " + map[bool]string{true: "work again", false: "stop working at once"}[active] + ")",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withOrgs(cmd, opts, func(orgs *store.Organizations) error {
					if err := orgs.SetClientActive(cmd.Context(), args[0], active); err != nil {
						return fmt.Errorf("client %s: %w", args[0], err)
					}
					return printJSON(cmd.OutOrStdout(), map[string]any{"client_id": args[0], "is_active": active})
				})
			},
		}
	}
	cmd.AddCommand(add, setOrigins, activation("deactivate", false), activation("activate", true))
	return cmd
}

func withOrgs(cmd *cobra.Command, opts *globalOptions, fn func(*store.Organizations) error) error {
	return withDatabase(cmd, opts, func(pool *pgxpool.Pool) error { return fn(store.NewOrganizations(pool)) })
}

func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, store.NormalizeOrigin(p))
		}
	}
	return out
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
