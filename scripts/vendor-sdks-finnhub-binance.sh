#!/usr/bin/env bash
# Installs the pinned client SDKs that the Finnhub and Binance gateway tests drive, from PyPI
# and npm, into a directory cached under ~/.cache/ticker (created on first use, reused while
# the pins are unchanged):
#   <dir>/venv          finnhub-python, websocket-client, binance-sdk-spot, ccxt (requirements.txt)
#   <dir>/node_modules  @binance/spot, ws (package.json + package-lock.json)
# The directory name carries a hash of the pin files, so changing a pin installs afresh.
#
#   scripts/vendor-sdks-finnhub-binance.sh --install   install if needed (.ci/run, test.sh)
#   scripts/vendor-sdks-finnhub-binance.sh --path      install if needed, print the directory
#
# Concurrent callers (parallel tests) wait on a lock instead of installing twice. Needs
# python3 with venv, and node with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=scripts/vendor-sdks-finnhub-binance
mode=${1:---install}
case "$mode" in --install | --path) ;; *)
  echo "usage: $0 [--install|--path]" >&2
  exit 2
  ;;
esac
hash=$(cat "$pins/requirements.txt" "$pins/package.json" "$pins/package-lock.json" | sha256sum | cut -c1-12)
tools=${TICKER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticker}
dir=$tools/vendor-sdks-fb-$hash
mkdir -p "$tools"
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/.complete" ]; then
  echo "installing the pinned Finnhub and Binance SDKs into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    -r "$pins/requirements.txt" >&2
  cp "$pins/package.json" "$pins/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --silent --no-audit --no-fund --ignore-scripts >&2)
  touch "$dir/.complete"
fi
[ "$mode" = --path ] && echo "$dir"
exit 0
