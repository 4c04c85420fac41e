package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"Action":"run","Package":"m/a","Test":"TestSlow"}`,
		`{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"    a_test.go:9: hidden when passing\n"}`,
		`{"Action":"pass","Package":"m/a","Test":"TestSlow","Elapsed":3.5}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"    a_test.go:12: boom\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.10s)\n"}`,
		`{"Action":"fail","Package":"m/a","Test":"TestBad","Elapsed":0.1}`,
		`{"Action":"output","Package":"m/a","Output":"FAIL\n"}`,
		`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t3.7s\n"}`,
		`{"Action":"fail","Package":"m/a","Elapsed":3.7}`,
		`{"Action":"output","Package":"m/b","Output":"PASS\n"}`,
		`{"Action":"output","Package":"m/b","Output":"ok  \tm/b\t0.2s\n"}`,
		`{"Action":"pass","Package":"m/b","Elapsed":0.2}`,
	}, "\n")
	var out strings.Builder
	failed, err := report(strings.NewReader(in), &out, 5, false)
	if err != nil || !failed {
		t.Fatalf("failed %v, err %v; want a failure reported", failed, err)
	}
	got := out.String()
	for _, want := range []string{"a_test.go:12: boom", "3.50s  m/a TestSlow", "0.10s  m/a TestBad  FAIL"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hidden when passing") || strings.Contains(got, "=== RUN") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
	if !strings.HasSuffix(got, "FAIL\tm/a\t3.7s\nok  \tm/b\t0.2s\nFAIL\n") {
		t.Errorf("the log does not end with go test's result lines:\n%s", got)
	}
	if _, err := report(strings.NewReader(""), &out, 5, false); err == nil {
		t.Error("an empty stream must be an error")
	}
}
