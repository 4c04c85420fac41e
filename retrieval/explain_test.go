package retrieval

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// explain returns the plan of query; []float32 arguments are sent as vectors.
func explain(t testing.TB, tx pgx.Tx, query string, args ...any) string {
	t.Helper()
	for i, a := range args {
		if v, ok := a.([]float32); ok {
			args[i] = pgvector.NewVector(v)
		}
	}
	rows, err := tx.Query(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
