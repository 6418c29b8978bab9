"""Checks the resolved compose file (YAML on stdin) and the Dockerfile (argv[1])."""
import re
import sys

import yaml

config = yaml.safe_load(sys.stdin)
dockerfile = open(sys.argv[1], encoding="utf-8").read()
services = config["services"]
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


for name, port, host_var in [("ws-server", 8001, "TICKER_WS_HOST"), ("rest-api", 8000, "TICKER_REST_HOST")]:
    svc = services.get(name)
    need(svc is not None, f"service {name} missing")
    if svc is None:
        continue
    env = svc.get("environment", {})
    published = [(int(p["published"]), int(p["target"])) for p in svc.get("ports", [])]
    need((port, port) in published, f"{name} must publish {port}:{port}, has {published}")
    need(env.get(host_var) == "0.0.0.0", f"{name} must bind 0.0.0.0 via {host_var}")
    for var in ["TICKER_SEED", "TICKER_INTERVAL_MS", "TICKER_EPOCH", "TICKER_CLOCK",
                "TICKER_CLOCK_START", "TICKER_CLOCK_SPEED", "TICKER_CLOCK_ANCHOR",
                "TICKER_CONTROL_TOKEN"]:
        need(var in env, f"{name} lacks {var}")
    test = " ".join(svc.get("healthcheck", {}).get("test", []))
    need(f"/dev/tcp/127.0.0.1/{port}" in test and "/health" in test, f"{name} healthcheck must GET /health on {port}")
    need(svc.get("restart") == "unless-stopped", f"{name} must restart unless-stopped")
    need(svc.get("build", {}).get("target") == "runtime", f"{name} must build the runtime target")
    mounts = [v.get("target") if isinstance(v, dict) else v.split(":")[1] for v in svc.get("volumes", [])]
    need("/config" in mounts, f"{name} must mount /config, has {mounts}")

# One clock setting for every service: they agree on market time only if they read the same.
clock_vars = ["TICKER_CLOCK", "TICKER_CLOCK_START", "TICKER_CLOCK_SPEED", "TICKER_CLOCK_ANCHOR"]
clocks = {n: tuple(s.get("environment", {}).get(v) for v in clock_vars) for n, s in services.items()
          if n in ("ws-server", "rest-api", "ws-replica")}
need(len(set(clocks.values())) <= 1, f"services must share the clock settings, have {clocks}")

rest_env = services.get("rest-api", {}).get("environment", {})
need(rest_env.get("TICKER_WS_URL", "").startswith("ws://ws-server:8001"), "rest-api must reach the ws-server by service name")
need("TICKER_WS_PUBLIC_URL" in rest_env, "rest-api must advertise a browser-reachable ws URL")

need(re.search(r"^FROM .* AS runtime$", dockerfile, re.M) is not None, "Dockerfile needs a runtime stage")
need(re.search(r"^USER (?!root)\S+", dockerfile, re.M) is not None, "runtime image must not run as root")
builds = re.findall(r"^RUN .*scripts/build-release\.sh", dockerfile, re.M)
need(len(builds) >= 2, "Dockerfile must build (deps layer and sources) with scripts/build-release.sh")
release = open("scripts/build-release.sh", encoding="utf-8").read()
need("cargo build --release --locked" in release, "scripts/build-release.sh must run cargo build --release")
test_sh = open("scripts/test.sh", encoding="utf-8").read()
need("scripts/build-release.sh" in test_sh, "scripts/test.sh must run scripts/build-release.sh")

if problems:
    print("compose check failed:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"compose check passed: {', '.join(sorted(services))}")
