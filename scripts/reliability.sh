#!/usr/bin/env bash
# Runs the worst-day suite (crates/reliability) and regenerates docs/reliability.md from the
# figures each test records under target/reliability/. Also part of `scripts/test.sh`
# (through the workspace tests); this script exists to refresh the document.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/reliability
cargo test -p reliability --locked -- --test-threads 1
python3 scripts/reliability_report.py target/reliability > docs/reliability.md
echo "docs/reliability.md updated"
