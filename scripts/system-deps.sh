#!/usr/bin/env bash
# Installs the system packages the tests need (Debian, as root): Chromium for the browser tests, a PostgreSQL
# server for the PostgreSQL run, gettext for the translation catalogues, wrk for the benchmarks.
# Does nothing for what is already there, so it is cheap to call before every test run.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
if [ "${1:-}" = "--bench" ]; then command -v wrk >/dev/null 2>&1 || need+=(wrk); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${need[*]} — install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
