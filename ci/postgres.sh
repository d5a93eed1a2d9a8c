#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for retrylab's tests and for trying the postgres store:
#
#   bash ci/postgres.sh start   # initdb on first use, then pg_ctl start; prints the URL
#   bash ci/postgres.sh url     # prints the URL (postgres://retrylab:…@127.0.0.1:15432/retrylab)
#   bash ci/postgres.sh stop    # pg_ctl stop -m fast; the data stays for the next start
#   bash ci/postgres.sh status  # exit 0 if running, 3 if not
#   bash ci/postgres.sh destroy # stop, then delete the data directory
#
# Loopback only (listen_addresses=127.0.0.1, the socket in the private data directory), a fixed
# non-default port (RETRYLAB_PG_PORT, default 15432) so it never meets a system server on 5432,
# and every wait bounded (pg_ctl -w -t). Idempotent: start on a running cluster and stop on a
# stopped one do nothing. As root the server runs as the `postgres` user (PostgreSQL refuses
# root); as any other user it runs as that user.
#
# Network logins use scram-sha-256 with a role `retrylab` that owns a database `retrylab`; its
# password is generated on first start and kept in "$RETRYLAB_PG_DIR/password" (mode 0600).
# `url` prints it inside the URL because the tests read the URL: this cluster is a throwaway on
# loopback, not a place for a password that matters. retrylab itself never prints a password.
set -euo pipefail

PORT="${RETRYLAB_PG_PORT:-15432}"
D="${RETRYLAB_PG_DIR:-/tmp/retrylab-pg-$PORT}"
WAIT_S="${RETRYLAB_PG_WAIT_S:-30}"
PGB="${RETRYLAB_PG_BIN:-/usr/lib/postgresql/15/bin}"
DB="$D/db"

if [[ ! -x "$PGB/pg_ctl" ]]; then
  echo "postgres.sh: no PostgreSQL 15 under $PGB: run 'bash ci/install.sh' (Debian's postgresql-15) or set RETRYLAB_PG_BIN" >&2
  exit 2
fi

# Runs a command as the cluster's owner.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    # runuser needs no PAM session and no password; `su` would work too.
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() {
  local pw
  pw="$(cat "$D/password")"
  echo "postgres://retrylab:${pw}@127.0.0.1:${PORT}/retrylab"
}

running() {
  [[ -f "$DB/PG_VERSION" ]] && as_owner "$PGB/pg_ctl" -D "$DB" status >/dev/null 2>&1
}

init() {
  [[ -f "$DB/PG_VERSION" ]] && return 0
  mkdir -p "$D"
  chmod 0711 "$D"
  if [[ "$(id -u)" == 0 ]]; then chown postgres "$D"; fi
  umask 077
  if [[ ! -s "$D/password" ]]; then
    # 24 random alphanumerics: safe inside a URL without escaping.
    tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 >"$D/password.new" || true
    mv "$D/password.new" "$D/password"
  fi
  as_owner "$PGB/initdb" -D "$DB" -U postgres --no-sync --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$D/initdb.log" 2>&1 || {
    cat "$D/initdb.log" >&2
    exit 1
  }
  NEEDS_ROLE=1
}

start() {
  NEEDS_ROLE=0
  init
  if ! running; then
    as_owner "$PGB/pg_ctl" -D "$DB" -l "$D/log" -w -t "$WAIT_S" \
      -o "-p $PORT -k $D -c listen_addresses=127.0.0.1" start >/dev/null || {
      echo "postgres.sh: the server did not start within ${WAIT_S} s; its log:" >&2
      tail -n 20 "$D/log" >&2 || true
      exit 1
    }
  fi
  if [[ "$NEEDS_ROLE" == 1 ]] || ! as_owner "$PGB/psql" -h "$D" -p "$PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_roles WHERE rolname = 'retrylab'" postgres | grep -q 1; then
    # The password goes through psql's stdin, never a command line that `ps` shows.
    as_owner "$PGB/psql" -h "$D" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -q postgres <<SQL
CREATE ROLE retrylab LOGIN PASSWORD '$(cat "$D/password")';
CREATE DATABASE retrylab OWNER retrylab;
SQL
  fi
  url
}

stop() {
  if running; then
    as_owner "$PGB/pg_ctl" -D "$DB" -m fast -w -t "$WAIT_S" stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url)
    [[ -s "$D/password" ]] || { echo "postgres.sh: no cluster in $D yet: run 'bash ci/postgres.sh start'" >&2; exit 2; }
    url
    ;;
  status) if running; then echo "running on 127.0.0.1:$PORT ($DB)"; else echo "not running ($DB)"; exit 3; fi ;;
  destroy)
    stop
    rm -rf "$D"
    ;;
  *)
    echo "usage: bash ci/postgres.sh start|stop|url|status|destroy" >&2
    exit 2
    ;;
esac
