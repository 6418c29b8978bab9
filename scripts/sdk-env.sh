#!/usr/bin/env bash
# The official vendor SDKs that the gateway tests drive as real clients, pinned in
# scripts/sdk/ (requirements.txt for PyPI, package.json + package-lock.json for npm), installed
# once into a cache keyed by those pins and the interpreters' versions:
#   ${TICKER_TOOLS_DIR:-~/.cache/ticker}/sdk-<hash>/{py,js}
# A change of pins installs afresh beside the old one; an unchanged one costs nothing.
#
#   scripts/sdk-env.sh --install   install if needed (.ci/run and test.sh do)
#   scripts/sdk-env.sh python      install if needed, print the virtualenv's python
#   scripts/sdk-env.sh node-dir    install if needed, print the folder holding node_modules
#
# Concurrent callers (parallel tests) wait on a lock instead of installing twice.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=scripts/sdk
key=$( { cat "$pins/requirements.txt" "$pins/package.json" "$pins/package-lock.json"
         python3 --version; node --version; } | sha256sum | cut -c1-12)
root=${TICKER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticker}
dir=$root/sdk-$key
mkdir -p "$root"
exec 9>"$root/sdk.lock"
flock 9
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/js"
  echo "sdk-env: installing the pinned vendor SDKs into $dir" >&2
  python3 -m venv "$dir/py"
  "$dir/py/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    -r "$pins/requirements.txt" >&2
  cp "$pins/package.json" "$pins/package-lock.json" "$dir/js/"
  (cd "$dir/js" && npm ci --silent --no-audit --no-fund >&2)
  touch "$dir/.complete"
fi
flock -u 9
case "${1:---install}" in
  --install) ;;
  python) echo "$dir/py/bin/python" ;;
  node-dir) echo "$dir/js" ;;
  *) echo "usage: $0 [--install | python | node-dir]" >&2; exit 2 ;;
esac
