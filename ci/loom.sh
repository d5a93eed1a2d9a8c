#!/usr/bin/env bash
# Model-checks the store's append protocol with loom. Every build flag changes, so it gets a
# target directory of its own; the preemption bound keeps the search to minutes on 2 cores.
set -euo pipefail
RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}" \
  CARGO_TARGET_DIR=target/loom cargo test --locked --release --test loom
