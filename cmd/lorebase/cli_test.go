package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lorebase/lorebase/store/storetest"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The binary end to end: dev (API and workers in one process), org create, ingest of a folder,
// extract, and a clean stop on SIGTERM.
func TestBinaryDevOrgIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it")
	}
	t.Parallel()
	db := storetest.New(t)
	bin := buildBinary(t)
	addr := freePort(t)
	var logs bytes.Buffer
	dev := exec.Command(bin, "dev", "--database-url", db.URL, "--listen", addr, "--log-format", "json")
	dev.Stdout, dev.Stderr = &logs, &logs
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = dev.Process.Kill()
			_ = dev.Wait()
		}
		if t.Failed() {
			t.Logf("dev log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	out, err := exec.Command(bin, "org", "create", "--name", "ACME", "--origins", "https://shop.example", "--database-url", db.URL).Output()
	if err != nil {
		t.Fatalf("org create: %v", err)
	}
	var creds struct {
		OrganizationID string `json:"organization_id"`
		ClientID       string `json:"client_id"`
		ClientSecret   string `json:"client_secret"`
	}
	if err := json.Unmarshal(out, &creds); err != nil || creds.ClientSecret == "" || creds.OrganizationID == "" {
		t.Fatalf("org create printed %s", out)
	}
	if strings.Contains(logs.String(), creds.ClientSecret) {
		t.Fatal("the client secret reached the server log")
	}

	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "faq.md"), []byte("# Help\n\n## Opening hours\n\nThe shop opens at nine and closes at six.\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "prices.csv"), []byte("item,price\nkettle,29.90\ntoaster,45.00\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "ignored.bin"), []byte{0, 1, 2}, 0o644)
	ingest := exec.Command(bin, "ingest", "--server", base, "--api-key", creds.ClientID, "--api-secret", creds.ClientSecret, "--wait", "60s", dir)
	out, err = ingest.Output()
	if err != nil || !strings.Contains(string(out), "2 ready, 0 failed, 0 still processing, 0 refused") {
		t.Fatalf("ingest: %v\n%s", err, out)
	}

	// The API answers from what was ingested.
	req, _ := http.NewRequest("POST", base+"/api/v1/assistants/", strings.NewReader(`{"name":"Helper"}`))
	req.Header.Set("X-API-Key", creds.ClientID)
	req.Header.Set("X-API-Secret", creds.ClientSecret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create assistant: %v %v", err, res)
	}
	res.Body.Close()

	out, err = exec.Command(bin, "extract", "--chunks", filepath.Join(dir, "faq.md")).Output()
	if err != nil || !strings.Contains(string(out), "opens at nine") || !strings.Contains(string(out), "Help > Opening hours") {
		t.Fatalf("extract: %v\n%s", err, out)
	}

	// SIGTERM: the process drains and exits 0.
	_ = dev.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- dev.Wait() }()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Fatalf("dev exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not stop within 30s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "shutting down") || !strings.Contains(logs.String(), "workers stopped") {
		t.Fatalf("no clean shutdown in the log")
	}
}
