#!/usr/bin/env bash
# Checks the Kubernetes manifests in deploy/k8s without a cluster:
#  * schema: kubernetes-validate --strict (pinned in scripts/k8s-requirements.txt) against the
#    oldest Kubernetes we support and the newest the validator knows, so an unknown or
#    misspelt field fails;
#  * meaning: scripts/check_k8s.py checks that selectors, ports, probes, the autoscaler, the
#    disruption budgets, the shared market settings and the termination timing fit together,
#    that every TICKER_* variable is a real flag, and runs each container's command with its
#    environment against the release binary: /health must answer 200, SIGTERM must end it in
#    time.
# The validator lives in a virtualenv cached under ~/.cache/ticker (created on first use,
# from PyPI); `scripts/check-k8s.sh --install` only creates it (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
req=scripts/k8s-requirements.txt
venv=${TICKER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticker}/k8s-$(sha256sum "$req" | cut -c1-12)
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$req"
fi
[ "${1:-}" = --install ] && exit 0
oldest=1.30.0 # preStop `sleep` handlers are on by default from 1.30
for version in "$oldest" 1.37.0; do
  "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" deploy/k8s/*.yaml
done
echo "deploy/k8s: valid against Kubernetes $oldest and 1.37.0 (strict)"
"$venv/bin/python" scripts/check_k8s.py deploy/k8s "${CARGO_TARGET_DIR:-target}/release"
