package offline

import (
	"context"
	"errors"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/lorebase/lorebase/llm"
)

var _ llm.Embedder = (*Embedder)(nil)

func embedOne(t *testing.T, e *Embedder, s string) []float32 {
	t.Helper()
	v, err := e.Embed(context.Background(), []string{s})
	if err != nil {
		t.Fatal(err)
	}
	return v[0]
}

func TestEmbedderShape(t *testing.T) {
	t.Parallel()
	e := NewEmbedder(0)
	if e.Dimensions() != DimensionsDefault || e.Model() != ModelName {
		t.Fatalf("defaults: %d %q", e.Dimensions(), e.Model())
	}
	vs, err := NewEmbedder(64).Embed(context.Background(), []string{"refund policy", "", "!!!"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) != 64 {
		t.Fatalf("got %d vectors of %d", len(vs), len(vs[0]))
	}
	if n := dot(vs[0], vs[0]); math.Abs(n-1) > 1e-5 {
		t.Errorf("not unit length: %f", n)
	}
	if dot(vs[1], vs[1]) != 0 || dot(vs[2], vs[2]) != 0 {
		t.Errorf("text without words should embed to zero")
	}
}

func TestEmbedderDeterministic(t *testing.T) {
	t.Parallel()
	text := "Die Hauptstadt Deutschlands ist Berlin. 东京是日本的首都。 The refund policy allows 30 days."
	a, b := embedOne(t, NewEmbedder(0), text), embedOne(t, NewEmbedder(0), text)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two embedders disagree on the same text")
	}
}

// TestEmbedderSimilarity checks the behaviours the package comment promises, including the
// ones it disclaims.
func TestEmbedderSimilarity(t *testing.T) {
	t.Parallel()
	e := NewEmbedder(0)
	sim := func(a, b string) float64 { return dot(embedOne(t, e, a), embedOne(t, e, b)) }
	tests := []struct {
		name             string
		query, near, far string
	}{
		{"lexical overlap", "how do I cancel my subscription", "To cancel your subscription open Billing.", "Our office is closed on public holidays."},
		{"inflection", "installing the printer driver", "The printer drivers are installed automatically.", "Invoices are sent by email every month."},
		{"typo", "pasword reset", "Reset your password from the login page.", "Upgrade to the Pro plan for more seats."},
		{"accents and case", "GROSSE DATEIEN HOCHLADEN", "Große Dateien können Sie hochladen.", "Die Rechnung kommt per Post."},
		{"compound", "Hauptstädte Europas", "Berlin ist eine Hauptstadt in Europa.", "Der Drucker braucht neues Papier."},
		{"chinese", "如何重置密码", "您可以在登录页面重置密码。", "我们的办公室周末关闭。"},
	}
	for _, tc := range tests {
		if n, f := sim(tc.query, tc.near), sim(tc.query, tc.far); n <= f {
			t.Errorf("%s: near %.3f <= far %.3f", tc.name, n, f)
		}
	}
	// Documented limits: synonyms and other languages share no features.
	if s := sim("price", "cost"); s > 0.2 {
		t.Errorf("synonyms unexpectedly similar: %.3f", s)
	}
	if s := sim("Where is the capital of Germany?", "Wo ist die Hauptstadt von Deutschland?"); s > 0.2 {
		t.Errorf("cross-lingual unexpectedly similar: %.3f", s)
	}
}

func TestEmbedderConcurrent(t *testing.T) {
	t.Parallel()
	e := NewEmbedder(0)
	texts := []string{"alpha beta gamma", "Die Katze schläft.", "东京塔很高", "¿Dónde está la estación?"}
	want, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got, err := e.Embed(context.Background(), texts)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Error("concurrent embedding differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestEmbedderCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewEmbedder(0).Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
