#!/usr/bin/env bash
# System packages the tests need: headless Chromium for the report page test, and PostgreSQL 15
# for the postgres store's tests (ci/test-postgres.sh starts a private cluster of it).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[[ -x /usr/lib/postgresql/15/bin/pg_ctl ]] || missing+=(postgresql-15)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
chromium --version
/usr/lib/postgresql/15/bin/postgres --version
