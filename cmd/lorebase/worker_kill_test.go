package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lorebase/lorebase"
	"github.com/lorebase/lorebase/ingest/chunk"
	"github.com/lorebase/lorebase/ingest/formats"
	"github.com/lorebase/lorebase/llm/offline"
	"github.com/lorebase/lorebase/llm/openai/openaitest"
	"github.com/lorebase/lorebase/store"
	"github.com/lorebase/lorebase/store/storetest"
	"github.com/lorebase/lorebase/worker"
)

// buildBinary compiles lorebase once for the tests of this package.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := builtBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// binDir holds the binary the process tests share; TestMain removes it.
var binDir string

// builtBinary builds the binary once for all the tests of this package, which run in
// parallel: five concurrent links of the same program were minutes of CPU on a loaded machine.
var builtBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "lorebase-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "lorebase")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// slowEmbeddings is the shared fake model server answering embeddings slowly, so that a worker
// can be killed while it is embedding; the vectors are the offline embedder's.
func slowEmbeddings(t *testing.T, delay time.Duration) *openaitest.Server {
	embed := offline.NewEmbedder(storetest.VectorDims)
	return openaitest.NewServer(t, openaitest.Options{Latency: delay, Dimensions: storetest.VectorDims,
		Embed: func(input string, _ int) []float32 {
			v, _ := embed.Embed(context.Background(), []string{input})
			return v[0]
		}})
}

func startWorkerProcess(t *testing.T, bin, dbURL, embedURL string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--database-url", dbURL, "--log-format", "text", "--concurrency", "1",
		"--embedder", "openai", "--openai-base-url", embedURL, "--embedding-model", "slow-embed",
		"--embedding-dims", fmt.Sprint(storetest.VectorDims), "--rescue-after", "2s", "--file-timeout", "8s")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", logs.String())
		}
	})
	return cmd
}

// A worker killed with SIGKILL in the middle of an ingestion loses nothing: another worker
// process picks the job up and the item ends ready with exactly the chunks it should have.
func TestWorkerKilledMidIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs worker processes")
	}
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	bin := buildBinary(t)
	embedSrv := slowEmbeddings(t, 300*time.Millisecond)

	var doc strings.Builder
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&doc, "## Section %d\n\nParagraph %d explains how the device model %d behaves when the firmware %d is installed and the battery is at %d percent. ", i, i, i*3, i%17, i%100)
		doc.WriteString(strings.Repeat("The warranty covers normal use. ", 20) + "\n\n")
	}
	data := []byte(doc.String())
	parsed, _ := formats.Markdown(data)
	chunker, _ := chunk.New(chunk.Config{})
	want := len(chunker.Chunk(parsed))

	orgs := store.NewOrganizations(db.Pool)
	org, _, err := orgs.Create(ctx, "Kill test", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	inserter, err := worker.NewInsertClient(db.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	it, err := worker.NewKnowledge(db.Pool, inserter).Create(ctx, lorebase.KnowledgeItem{OrganizationID: org.ID, Type: lorebase.KnowledgeFile,
		Title: "Manual", FileType: "markdown", FileName: "manual.md", FileSize: int64(len(data))}, "", data)
	if err != nil {
		t.Fatal(err)
	}

	first := startWorkerProcess(t, bin, db.URL, embedSrv.URL)
	items := store.NewKnowledge(db.Pool)
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := items.Get(ctx, org.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Progress.ChunksEmbedded > 0 && got.Progress.ChunksEmbedded < want/2 {
			break
		}
		if got.Status == lorebase.StatusReady || time.Now().After(deadline) {
			t.Fatalf("never caught the worker mid-embedding: %+v (want %d chunks)", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := len(embedSrv.EmbeddingRequests())

	startWorkerProcess(t, bin, db.URL, embedSrv.URL)
	deadline = time.Now().Add(90 * time.Second)
	var got lorebase.KnowledgeItem
	for {
		got, err = items.Get(ctx, org.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == lorebase.StatusReady || got.Status == lorebase.StatusFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("item not finished after the restart: %+v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.Status != lorebase.StatusReady {
		t.Fatalf("item = %+v, error %v", got, got.Error)
	}
	var n, distinct int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT position) FROM chunks WHERE item_id = $1`, it.ID).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != want || distinct != want || got.ChunkCount != want {
		t.Fatalf("chunks: %d rows, %d distinct positions, item says %d; want %d", n, distinct, got.ChunkCount, want)
	}
	if len(embedSrv.EmbeddingRequests()) <= killedAt {
		t.Fatal("the second worker did not embed anything")
	}
	if os.Getenv("CI") == "" {
		t.Logf("killed after %d embedding requests; %d chunks stored once each", killedAt, want)
	}
}
