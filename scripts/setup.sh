#!/usr/bin/env bash
# Installs what lorebase needs on a Debian 12 machine, idempotently: PostgreSQL 15 server,
# pgvector built from Debian's own source package (Debian 12 does not package it) and the Go
# modules. With --test (scripts/test.sh) it also installs what only the tests need: poppler-utils
# for the PDF reference, Chromium for the browser tests, and real documentation packages whose
# HTML and PDF manuals the fidelity tests read. Each step is skipped when already satisfied, so
# running it before every start or test run costs almost nothing.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log() { printf 'setup: %s\n' "$*" >&2; }

apt_updated=""
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR" ca-certificates

if [ "${1:-}" = "--test" ]; then
apt_install poppler-utils chromium
# Real HTML manuals from several generators for the extraction fidelity tests (ingest/html):
# Sphinx, DocBook, Texinfo, Doxygen, MkDocs and a web site's release notes.
apt_install python3.11-doc "postgresql-doc-$PG_MAJOR" diffutils-doc doxygen-doc mkdocs-doc sqlite3-doc
# Real PDFs for the PDF fidelity test (ingest/pdf TestQualityDebianDocs): TeX Live documentation
# (beamer slides, manuals, forms; texlive-base brings Texinfo manuals and a two-column TUGboat
# paper), dblatex's and latex2rtf's manuals, and htmldoc, which turns python3.11-doc's HTML into
# generated reports. About 90 MB of packages; none of them is needed at run time.
apt_install texlive-latex-recommended-doc dblatex-doc latex2rtf-doc htmldoc python3.11-doc
fi

sharedir() { "$PG_CONFIG" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$PG_MAJOR"; }

if [ ! -f "/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; then
  apt_install "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev
  work=$(mktemp -d); chmod 755 "$work"
  trap 'rm -rf "$work"' EXIT
  # A private apt configuration with a deb-src line for the next Debian release, whose pgvector
  # builds against PostgreSQL 15. The mirror is the one this machine already uses.
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$mirror" ]; then
    mirror=$(awk '$1=="deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  [ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt"; exit 1; }
  mkdir -p "$work/lists/partial"
  echo "deb-src [trusted=yes] $mirror trixie main" >"$work/sources.list"
  aptopts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$work/lists")
  log "fetching pgvector source package"
  apt-get "${aptopts[@]}" update -qq
  (cd "$work" && apt-get "${aptopts[@]}" source -qq --download-only pgvector >/dev/null && dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null)
  log "building pgvector"
  make -s -C "$work/src" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
  $SUDO make -s -C "$work/src" PG_CONFIG="$PG_CONFIG" install >/dev/null
  log "pgvector installed in $(sharedir)/extension"
fi

if command -v go >/dev/null 2>&1; then
  (cd "$(dirname "$0")/.." && [ -f go.mod ] && go mod download) || true
else
  log "Go is not installed (need Go 1.26+)"; exit 1
fi
