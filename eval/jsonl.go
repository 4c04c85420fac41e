package eval

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
	"strings"
)

// jsonLines decodes a JSON Lines file one line at a time into T; blank lines are skipped. A
// missing file is read from its gzipped copy (path + ".gz") when there is one.
func jsonLines[T any](path string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) && exists(path+".gz") {
			path += ".gz"
			f, err = os.Open(path)
		}
		if err != nil {
			yield(zero, err)
			return
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(path, ".gz") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				yield(zero, formatError(path, 0, err))
				return
			}
			defer gz.Close()
			r = gz
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 64<<20) // BEIR documents can be long
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" {
				continue
			}
			var v T
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				yield(zero, formatError(path, line, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(zero, formatError(path, line, err))
		}
	}
}
