// Package migrations holds the schema as ordered SQL files embedded in the binary. The runner
// lives in store; this package only carries the files so that nothing else needs the disk.
package migrations

import "embed"

// FS holds every NNN_name.sql file; they are applied in lexical order.
//
//go:embed *.sql
var FS embed.FS
