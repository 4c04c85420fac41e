package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/lorebase/lorebase"
)

// ingestClient talks to a running lorebase server through the public API.
type ingestClient struct {
	base, key, secret string
	http              *http.Client
}

type apiEnvelope struct {
	Status     string          `json:"status"`
	StatusCode int             `json:"status_code"`
	Detail     *string         `json:"detail"`
	Data       json.RawMessage `json:"data"`
}

type itemStatus struct {
	ID     string                   `json:"id"`
	Title  string                   `json:"title"`
	Status lorebase.KnowledgeStatus `json:"status"`
	Error  *string                  `json:"error"`
	Chunks int                      `json:"chunk_count"`
}

func (c *ingestClient) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", c.key)
	req.Header.Set("X-API-Secret", c.secret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var env apiEnvelope
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s %s: %s (not a lorebase answer)", method, path, res.Status)
	}
	if env.Status != "success" {
		detail := res.Status
		if env.Detail != nil {
			detail = *env.Detail
		}
		return fmt.Errorf("%s", detail)
	}
	if out != nil {
		return json.Unmarshal(env.Data, out)
	}
	return nil
}

func (c *ingestClient) uploadFile(ctx context.Context, path string) (itemStatus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return itemStatus{}, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	_, _ = fw.Write(data)
	_ = mw.Close()
	var it itemStatus
	err = c.do(ctx, "POST", "/api/v1/knowledge/files/", mw.FormDataContentType(), &buf, &it)
	return it, err
}

func (c *ingestClient) addURL(ctx context.Context, u string, maxPages, maxDepth int) (itemStatus, error) {
	body, _ := json.Marshal(map[string]any{"url": u, "max_pages": maxPages, "max_depth": maxDepth})
	var it itemStatus
	err := c.do(ctx, "POST", "/api/v1/knowledge/urls/", "application/json", bytes.NewReader(body), &it)
	return it, err
}

// supportedExtensions are the files `lorebase ingest` picks up from folders.
var supportedExtensions = map[string]bool{".pdf": true, ".txt": true, ".md": true, ".markdown": true, ".html": true, ".htm": true, ".csv": true, ".json": true}

func newIngestCommand() *cobra.Command {
	c := &ingestClient{http: &http.Client{Timeout: 5 * time.Minute}}
	var urlsFile string
	var maxPages, maxDepth int
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "ingest [FILE|FOLDER|URL]...",
		Short: "Upload files, folders and URLs to a running lorebase server, then report which became ready or failed",
		Long: `Upload every supported file (pdf, txt, md, html, csv, json) of the given files and folders, and add
the given URLs (and those listed one per line in --urls) for crawling, through the API of a
running server. It then waits until every item is ready or failed and prints a summary.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.key == "" || c.secret == "" {
				return fmt.Errorf("--api-key and --api-secret (or LOREBASE_API_KEY and LOREBASE_API_SECRET) are required")
			}
			var files, urls []string
			for _, a := range args {
				if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
					urls = append(urls, a)
					continue
				}
				err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if !d.IsDir() && supportedExtensions[strings.ToLower(filepath.Ext(p))] {
						files = append(files, p)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			if urlsFile != "" {
				f, err := os.Open(urlsFile)
				if err != nil {
					return err
				}
				sc := bufio.NewScanner(f)
				for sc.Scan() {
					if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
						urls = append(urls, line)
					}
				}
				f.Close()
			}
			if len(files)+len(urls) == 0 {
				return fmt.Errorf("nothing to ingest: give files, folders or URLs")
			}
			return runIngest(cmd, c, files, urls, maxPages, maxDepth, wait)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.base, "server", envOr("LOREBASE_SERVER", "http://localhost:8080"), "lorebase server URL ($LOREBASE_SERVER)")
	f.StringVar(&c.key, "api-key", os.Getenv("LOREBASE_API_KEY"), "client id ($LOREBASE_API_KEY)")
	f.StringVar(&c.secret, "api-secret", os.Getenv("LOREBASE_API_SECRET"), "client secret ($LOREBASE_API_SECRET)")
	f.StringVar(&urlsFile, "urls", "", "file with one URL per line")
	f.IntVar(&maxPages, "max-pages", 50, "page limit of each crawl")
	f.IntVar(&maxDepth, "max-depth", 2, "link depth of each crawl")
	f.DurationVar(&wait, "wait", 30*time.Minute, "how long to wait for processing (0: do not wait)")
	return cmd
}

func runIngest(cmd *cobra.Command, c *ingestClient, files, urls []string, maxPages, maxDepth int, wait time.Duration) error {
	ctx := cmd.Context()
	out := cmd.ErrOrStderr()
	bar := progressbar.NewOptions(len(files)+len(urls), progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("uploading"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	var items []itemStatus
	var refused []string
	for _, p := range files {
		it, err := c.uploadFile(ctx, p)
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", p, err))
		} else {
			items = append(items, it)
		}
		_ = bar.Add(1)
	}
	for _, u := range urls {
		it, err := c.addURL(ctx, u, maxPages, maxDepth)
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", u, err))
		} else {
			items = append(items, it)
		}
		_ = bar.Add(1)
	}
	_ = bar.Finish()
	if wait > 0 && len(items) > 0 {
		deadline := time.Now().Add(wait)
		bar = progressbar.NewOptions(len(items), progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("processing"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		for {
			done := 0
			for i := range items {
				if !items[i].Status.Final() {
					var it itemStatus
					if err := c.do(ctx, "GET", "/api/v1/knowledge/"+items[i].ID, "", nil, &it); err == nil {
						items[i] = it
					}
				}
				if items[i].Status.Final() {
					done++
				}
			}
			_ = bar.Set(done)
			if done == len(items) || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Second)
		}
		_ = bar.Finish()
	}
	counts := map[lorebase.KnowledgeStatus]int{}
	w := cmd.OutOrStdout()
	for _, it := range items {
		counts[it.Status]++
		if it.Status == lorebase.StatusFailed && it.Error != nil {
			fmt.Fprintf(w, "failed  %s: %s\n", it.Title, *it.Error)
		}
	}
	for _, r := range refused {
		fmt.Fprintf(w, "refused %s\n", r)
	}
	ready, failed := counts[lorebase.StatusReady], counts[lorebase.StatusFailed]
	fmt.Fprintf(w, "%d ready, %d failed, %d still processing, %d refused\n", ready, failed, len(items)-ready-failed, len(refused))
	if failed+len(refused) > 0 {
		return fmt.Errorf("%d items did not make it", failed+len(refused))
	}
	return nil
}
