#!/usr/bin/env bash
# No Docker engine runs on our machines, so check what can be checked without one: the compose
# file resolves (`docker-compose config`), names the right ports, variables, healthchecks and
# build target, and the Dockerfile builds with scripts/build-release.sh, the same release
# build scripts/test.sh runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null; then
  if [ "${CI:-}" = true ]; then echo "docker-compose is required under CI" >&2; exit 1; fi
  echo "docker-compose not installed: skipping the compose check (apt-get install docker-compose)"
  exit 0
fi
docker-compose config -q
docker-compose --profile scale config -q
# PyYAML ships with Debian's docker-compose (for /usr/bin/python3); a python3 earlier on PATH
# (pyenv, a venv) may lack it.
py=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import yaml' 2>/dev/null; then py=$candidate; break; fi
done
[ -n "$py" ] || { echo "no python3 with PyYAML found (apt-get install python3-yaml)" >&2; exit 1; }
docker-compose config | "$py" scripts/check_compose.py Dockerfile
