#!/usr/bin/env bash
# The postgres store's tests against a private PostgreSQL 15 (ci/postgres.sh): starts it, runs
# the tests that need it with RETRYLAB_PG_URL set, stops it on any exit. CI=1 makes a test that
# finds no URL fail instead of skipping. Bounded: each cargo step under `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-1}"
started_here=0
if ! bash ci/postgres.sh status >/dev/null 2>&1; then started_here=1; fi
RETRYLAB_PG_URL="$(bash ci/postgres.sh start)"
export RETRYLAB_PG_URL
# Stop only a server this script started, so a user's running cluster stays up.
trap 'if [[ $started_here == 1 ]]; then bash ci/postgres.sh stop; fi' EXIT
T="${RETRYLAB_PG_TEST_TIMEOUT_S:-900}"
for t in postgres_store postgres_stress postgres_killed postgres_bad_input postgres_engine postgres_tune; do
  timeout "$T" cargo test --locked --features postgres --test "$t"
done
