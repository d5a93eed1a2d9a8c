#!/usr/bin/env bash
# The tests a plain `cargo test` lists as ignored because they need a system package or take
# long: the report page in headless Chromium, and the heavy store stress (16 writers x 500,000
# appends per store kind, about a minute on 2 cores), and both engines on every ready scenario
# (tests/engines_agree.rs, ~30 s). CI runs them for real.
set -euo pipefail
cargo test --locked --test report_chromium -- --ignored
cargo test --locked --test store_stress -- --ignored
cargo test --locked --test engines_agree -- --ignored
