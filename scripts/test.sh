#!/usr/bin/env bash
# Every test, in the order a failure is cheapest to find: format, lints, the test suite
# (unit, integration, the Chromium end-to-end test), the release build the Dockerfile uses,
# the compose file and Kubernetes manifest checks, a load-generator smoke run and a short fuzz
# run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --profile ci
else
  echo "cargo-nextest not found; using cargo test"
  cargo test --workspace --locked
fi
cargo test --workspace --locked --doc

step "release build (the Dockerfile's build)"
scripts/build-release.sh

step "docker-compose file"
scripts/check-compose.sh

step "Kubernetes manifests (deploy/k8s)"
scripts/check-k8s.sh

step "loadgen smoke: 200 clients for 2 s, zero failures and zero missed seq"
cargo build --release --locked -p loadgen
scripts/loadgen-smoke.sh

echo
echo "All checks passed."
