package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// extract --stats shows, per page, the words the page had and the words kept, with blocks
// repeated across the given pages counted apart.
func TestExtractStats(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 4 {
		page := fmt.Sprintf(`<html><body><nav><a href="/">Home</a> <a href="/b">Blog</a></nav>
<h1>Post %d</h1><p>Post number %d explains how lighthouses guided ships along the rocky coast for centuries.</p>
<p>Subscribe to our newsletter to receive every new post about maritime history in your inbox.</p>
</body></html>`, i, i)
		f := filepath.Join(dir, fmt.Sprintf("post%d.html", i))
		if err := os.WriteFile(f, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := newExtractCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(append([]string{"--stats"}, files...))
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "WORDS") {
		t.Fatalf("output:\n%s", out.String())
	}
	// 33 words on the page (menu included); 31 extracted, of which the 15-word newsletter
	// line repeats on every page.
	if f := strings.Fields(lines[1]); len(f) != 5 || f[0] != "33" || f[1] != "16" || f[3] != "15" {
		t.Fatalf("page line %q, want 33 words, 16 kept, 15 repeated", lines[1])
	}
}
