#!/usr/bin/env bash
# Runs every criterion bench once as a test, so a broken bench fails the build.
set -euo pipefail
cargo bench --locked -- --test
