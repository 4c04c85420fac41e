#!/usr/bin/env bash
# The one command that runs the whole test suite on a fresh Debian 12 machine: installs what is
# missing (scripts/setup.sh, idempotent), vets, then runs every test against a real PostgreSQL
# with pgvector, after a short run of every fuzz target (an embedded cluster under the temp directory, unless
# LOREBASE_TEST_DATABASE_URL names a server), and stops that cluster afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
go vet ./...
testpg="${TMPDIR:-/tmp}/lorebase-test-$(id -u)/pg"
stop_test_cluster() {
  if [ -z "${LOREBASE_TEST_DATABASE_URL:-}" ] && [ -f "$testpg/data/postmaster.pid" ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- "$bin/pg_ctl" -D "$testpg/data" -m fast -w stop >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$testpg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
}
trap stop_test_cluster EXIT
# Every fuzz target briefly (a finding fails the run; Go saves the input under testdata/fuzz),
# then the whole suite. scripts/testreport prints go test's usual output from its -json stream,
# then the slowest tests and packages, and last the package result lines (ok/FAIL) again, so
# the summary is still the last thing printed; the exit status is go test's.
bash scripts/fuzz.sh "${FUZZTIME:-5s}"
report="$(mktemp -d)/testreport"
go build -o "$report" ./scripts/testreport
go test -count=1 -timeout 30m -json "$@" ./... 2>&1 | "$report" -top "${SLOWEST:-25}"
