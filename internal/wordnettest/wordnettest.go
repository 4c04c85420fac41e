// Package wordnettest loads WordNet from where Debian's wordnet-base installs it (which
// scripts/setup.sh does) once per test binary, for the tests of the packages that use it.
package wordnettest

import (
	"sync"
	"testing"

	"github.com/lorebase/lorebase/wordnet"
)

var (
	once sync.Once
	th   *wordnet.Thesaurus
	err  error
)

// Shared is the thesaurus as lorebase loads it by default, read once, or Load's error.
func Shared() (*wordnet.Thesaurus, error) {
	once.Do(func() { th, err = wordnet.Load(wordnet.DefaultDir, 0) })
	return th, err
}

// Thesaurus is Shared for a test that needs it: the test is skipped when WordNet is not
// installed and fails on any other error.
func Thesaurus(t testing.TB) *wordnet.Thesaurus {
	t.Helper()
	th, err := Shared()
	if wordnet.IsNotExist(err) {
		t.Skip("WordNet not installed (scripts/setup.sh installs wordnet-base)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return th
}
