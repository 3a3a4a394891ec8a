#!/usr/bin/env bash
# Starts (start) or stops (stop) a throw-away PostgreSQL server for the test suite, on a private port and
# data directory. Prints the DATABASE_URL to use on start.
set -euo pipefail
PGPORT="${BEFFROI_TEST_PGPORT:-54329}"
PGDIR="${BEFFROI_TEST_PGDIR:-/tmp/beffroi-test-pg}"
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)")"
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ -f "$PGDIR/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$PGPORT/beffroi"; exit 0
    fi
    rm -rf "$PGDIR"; mkdir -p "$PGDIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
    as_pg "$BIN/initdb" -D "$PGDIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w \
      -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres beffroi
    echo "postgres://postgres@127.0.0.1:$PGPORT/beffroi"
    ;;
  stop)
    [ -d "$PGDIR" ] && as_pg "$BIN/pg_ctl" -D "$PGDIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
