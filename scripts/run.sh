#!/usr/bin/env bash
# The one command that runs lorebase on a fresh Debian 12 machine: installs what is missing
# (scripts/setup.sh, idempotent), builds the binary and starts the API server and the workers in
# one process. With no DATABASE_URL it starts an embedded PostgreSQL; extra arguments go to
# `lorebase dev` (e.g. --listen :9090).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p bin
go build -o bin/lorebase ./cmd/lorebase
exec bin/lorebase dev "$@"
