#!/usr/bin/env bash
# The official vendor SDKs and clients that the gateway tests drive, pinned per group in
# scripts/sdk/<group>/ (requirements.txt for PyPI, fully resolved and installed with --no-deps;
# package.json + package-lock.json for npm). Each group gets its own virtualenv and npm prefix,
# so two vendors' SDKs never have to agree on a dependency. Installed once into a cache keyed
# by the group's pins and the interpreters' versions:
#   ${TICKER_TOOLS_DIR:-~/.cache/ticker}/sdk-<group>-<hash>/{py,js}
# A change of pins installs afresh beside the old one; an unchanged one costs nothing.
#
#   scripts/sdk-env.sh --install           install every group if needed (.ci/run, test.sh)
#   scripts/sdk-env.sh GROUP --install     install one group if needed
#   scripts/sdk-env.sh GROUP python        install if needed, print the virtualenv's python
#   scripts/sdk-env.sh GROUP node-dir      install if needed, print the folder holding node_modules
#
# Groups: alpaca-polygon, finnhub-binance, contracts (schemathesis, for the API contracts) and
# typescript (tsc, which builds and checks clients/typescript). Concurrent callers (parallel
# tests) wait on a lock instead of installing twice. Needs python3 with venv, and node with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
groups=(alpaca-polygon finnhub-binance contracts typescript)
root=${TICKER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticker}

usage() {
  echo "usage: $0 [--install] | $0 GROUP [--install | python | node-dir]  (groups: ${groups[*]})" >&2
  exit 2
}

# Installs group $1 if needed and prints its directory.
install_group() {
  local group=$1 pins=scripts/sdk/$1 key dir
  [ -f "$pins/requirements.txt" ] || usage
  key=$( { cat "$pins/requirements.txt" "$pins/package.json" "$pins/package-lock.json"
           python3 --version; node --version; } | sha256sum | cut -c1-12)
  dir=$root/sdk-$group-$key
  mkdir -p "$root"
  exec 9>"$root/sdk-$group.lock"
  flock 9
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/js"
    echo "sdk-env: installing the pinned $group SDKs into $dir" >&2
    python3 -m venv "$dir/py"
    "$dir/py/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      -r "$pins/requirements.txt" >&2
    cp "$pins/package.json" "$pins/package-lock.json" "$dir/js/"
    (cd "$dir/js" && npm ci --silent --no-audit --no-fund --ignore-scripts >&2)
    touch "$dir/.complete"
  fi
  flock -u 9
  echo "$dir"
}

case "${1:---install}" in
  --install)
    [ $# -le 1 ] || usage
    for g in "${groups[@]}"; do install_group "$g" >/dev/null; done
    ;;
  -*) usage ;;
  *)
    dir=$(install_group "$1")
    case "${2:---install}" in
      --install) ;;
      python) echo "$dir/py/bin/python" ;;
      node-dir) echo "$dir/js" ;;
      *) usage ;;
    esac
    ;;
esac
