#!/usr/bin/env bash
set -euo pipefail
cargo clippy --locked --all-targets -- -D warnings
# The postgres store is behind a feature: lint it too.
cargo clippy --locked --all-targets --features postgres -- -D warnings
