#!/usr/bin/env bash
# The physical bound next to benches/postgres_overhead.rs: the same two statements per append
# (read the stream's version, append the next), from pgbench, a C client that costs the machine
# far less than tokio-postgres does, at the same 16 connections on 10,000 uniform actors.
#
#   RETRYLAB_PG_URL="$(bash ci/postgres.sh url)" bash benches/postgres_pgbench.sh
#
# Each run gets a fresh schema (retrylab_pgbench_ref, the DDL of src/store/postgres/migration.rs)
# and drops it after. The password goes to pgbench and psql through PGPASSWORD, never on a
# command line that `ps` shows. RUNS (default 5) and RUN_SECONDS (default 3) per shape; pgbench's
# own threads: THREADS (default 2, this machine's cores). `unique` appends with ON CONFLICT DO
# NOTHING (pgbench ends a client on a unique violation; conflicts are about 1 in 1,000 here),
# so a lost race is not retried: a difference of about 0.1 %.
set -euo pipefail
cd "$(dirname "$0")/.."

URL="${RETRYLAB_PG_URL:?set RETRYLAB_PG_URL (bash ci/postgres.sh url)}"
RUNS="${RUNS:-5}"
SECONDS_PER_RUN="${RUN_SECONDS:-3}"
THREADS="${THREADS:-2}"
PGB="${RETRYLAB_PG_BIN:-/usr/lib/postgresql/15/bin}"
S=retrylab_pgbench_ref

re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^?]+)'
if [[ ! "$URL" =~ $re ]]; then
  echo "postgres_pgbench.sh: cannot read RETRYLAB_PG_URL (want postgres://user:password@host:port/db)" >&2
  exit 2
fi
export PGUSER="${BASH_REMATCH[2]}" PGPASSWORD="${BASH_REMATCH[4]}" PGHOST="${BASH_REMATCH[5]}"
export PGPORT="${BASH_REMATCH[7]:-5432}" PGDATABASE="${BASH_REMATCH[8]}"

work="$(mktemp -d)"
cleanup() {
  "$PGB/psql" -qX -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $S CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fresh_schema() {
  "$PGB/psql" -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $S CASCADE;
CREATE SCHEMA $S;
CREATE TABLE $S.events (
    stream bigint NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    event_type bigint NOT NULL,
    payload bigint NOT NULL,
    timestamp_ns bigint NOT NULL,
    PRIMARY KEY (stream, version)
);
CREATE TABLE $S.streams (
    stream bigint PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 1)
);
CREATE FUNCTION $S.append_head(
    p_stream bigint, p_version bigint, p_type bigint, p_payload bigint, p_ts bigint,
    OUT appended boolean, OUT current bigint)
LANGUAGE plpgsql AS \$fn\$
BEGIN
    IF p_version = 1 THEN
        INSERT INTO $S.streams (stream, version) VALUES (p_stream, 1)
            ON CONFLICT (stream) DO NOTHING;
    ELSE
        UPDATE $S.streams SET version = version + 1
            WHERE stream = p_stream AND version = p_version - 1;
    END IF;
    IF FOUND THEN
        INSERT INTO $S.events (stream, version, event_type, payload, timestamp_ns)
            VALUES (p_stream, p_version, p_type, p_payload, p_ts);
        appended := true;
        current := p_version;
        RETURN;
    END IF;
    appended := false;
    SELECT s.version INTO current FROM $S.streams s WHERE s.stream = p_stream;
    current := coalesce(current, 0);
END
\$fn\$;
SQL
}

cat >"$work/unique.sql" <<SQL
\set actor random(0, 9999)
SELECT coalesce(max(version), 0) AS v FROM $S.events WHERE stream = :actor \gset
INSERT INTO $S.events (stream, version, event_type, payload, timestamp_ns) SELECT :actor::bigint, :v::bigint + 1, 1, 0, 0 WHERE :v::bigint = 0 OR EXISTS (SELECT 1 FROM $S.events WHERE stream = :actor::bigint AND version = :v::bigint) ON CONFLICT DO NOTHING;
SQL
cat >"$work/head-row.sql" <<SQL
\set actor random(0, 9999)
SELECT coalesce((SELECT version FROM $S.streams WHERE stream = :actor), 0) AS v \gset
SELECT appended, current FROM $S.append_head(:actor, :v + 1, 1, 0, 0);
SQL

echo "pgbench: 16 clients, $THREADS threads, prepared statements, ${SECONDS_PER_RUN} s per run, $RUNS runs per shape; load $(cut -d' ' -f1-3 /proc/loadavg)"
for shape in unique head-row; do
  tps=()
  for ((i = 1; i <= RUNS; i++)); do
    fresh_schema
    out="$("$PGB/pgbench" -n -M prepared -c 16 -j "$THREADS" -T "$SECONDS_PER_RUN" -f "$work/$shape.sql" 2>&1)" || {
      echo "$out" >&2
      exit 1
    }
    t="$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")"
    tps+=("$t")
    echo "$shape run $i: $t appends/s"
  done
  printf '%s\n' "${tps[@]}" | sort -g | awk -v s="$shape" '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%s: median %.0f appends/s (%.0f-%.0f), %d runs\n", s, m, v[1], v[NR], NR}'
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
