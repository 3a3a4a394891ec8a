#!/usr/bin/env bash
# Installs the system packages Beffroi needs (Debian, as root), skipping what is already there.
#   (no flag)  Pango, which WeasyPrint uses to render the PDF reports
#   --test     also Chromium and its headless shell (browser tests), a PostgreSQL server (PostgreSQL run),
#              Mosquitto (MQTT tests), gettext (translation catalogues), poppler-utils (the tests read the PDFs' text)
#   --bench    as --test, plus wrk (HTTP load)
#   --topology a PostgreSQL server, nginx and pgbouncer (make test-topology: past one machine, on loopback)
set -euo pipefail
mode="${1:-}"
need=()
ldconfig -p | grep -q "libpangoft2-1.0.so" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$mode" = "--test" ] || [ "$mode" = "--bench" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromium-headless-shell >/dev/null 2>&1 || need+=(chromium-headless-shell)
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fi
if [ "$mode" = "--bench" ]; then command -v wrk >/dev/null 2>&1 || need+=(wrk); fi
if [ "$mode" = "--topology" ] || [ "$mode" = "--bench" ]; then
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
  [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${need[*]} — install them as root: apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
