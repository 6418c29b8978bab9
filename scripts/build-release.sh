#!/usr/bin/env bash
# The one release build: the Dockerfile runs this script and scripts/test.sh runs it too, so
# the build CI proves is the build the image ships.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo build --release --locked -p rest-api -p ws-server "$@"
