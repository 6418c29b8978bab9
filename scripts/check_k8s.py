#!/usr/bin/env python3
"""What the schema cannot see in deploy/k8s: that the pieces fit together and fit the binaries.

  check_k8s.py MANIFEST_DIR RELEASE_DIR

Fails (exit 1, one line per problem) unless:
  * every Service, PodDisruptionBudget and HorizontalPodAutoscaler points at a Deployment that
    exists, through labels or names, on ports the container declares;
  * every container has startup, readiness and liveness probes on GET /health of its port,
    CPU and memory requests and a memory limit at least its request;
  * both services take the market settings only from one shared ConfigMap (so every pod
    computes the same prices), and that ConfigMap exists;
  * the ws-server is autoscaled (at least two replicas), has a disruption budget, and its
    termination grace period covers preStop plus --shutdown-grace-ms, so clients get 1001;
  * its memory request covers its connection limit at the measured cost per connection;
  * every TICKER_* variable is one the binary's --help lists;
  * each container's command, run with its environment against the release binary (on a free
    loopback port), answers GET /health with 200 and exits 0 on SIGTERM within its grace.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

# Measured server RSS per connection (streaming, docs/performance.md) plus the kernel's
# socket memory the pod's cgroup is charged for; docs/scaling.md explains the figure.
KIB_PER_CONNECTION = 14
BASE_MIB = 40

problems = []


def check(ok, message):
    if not ok:
        problems.append(message)
    return ok


def quantity(q):
    """A Kubernetes quantity in base units (bytes, or cores for CPU)."""
    q = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    for suffix, factor in units.items():
        if q.endswith(suffix):
            return float(q[: -len(suffix)]) * factor
    return float(q)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def health(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main(manifests, release):
    docs = []
    for path in sorted(Path(manifests).glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments = by_kind.get("Deployment", {})
    configmaps = by_kind.get("ConfigMap", {})

    def pods_of(selector):
        return [
            name
            for name, dep in deployments.items()
            if selector and all(dep["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in selector.items())
        ]

    def container(dep):
        return dep["spec"]["template"]["spec"]["containers"][0]

    def port_names(dep):
        return {p["name"]: p["containerPort"] for p in container(dep).get("ports", [])}

    for name, svc in by_kind.get("Service", {}).items():
        targets = pods_of(svc["spec"].get("selector"))
        if check(len(targets) == 1, f"Service {name} selects {targets}, not exactly one Deployment"):
            for p in svc["spec"]["ports"]:
                check(p["targetPort"] in port_names(deployments[targets[0]]), f"Service {name}: no container port {p['targetPort']}")
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        check(len(pods_of(pdb["spec"]["selector"]["matchLabels"])) == 1, f"PodDisruptionBudget {name} selects no single Deployment")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind.get("HorizontalPodAutoscaler", {}).values()}
    for target in hpas:
        check(target in deployments, f"HorizontalPodAutoscaler targets a missing Deployment {target}")

    market_maps = set()
    for name, dep in deployments.items():
        spec = dep["spec"]["template"]["spec"]
        c = container(dep)
        binary = c["command"][0]
        ports = port_names(dep)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = c.get(probe, {}).get("httpGet", {})
            check(get.get("path") == "/health" and get.get("port") in ports, f"{name}: {probe} must GET /health on a container port")
        res = c.get("resources", {})
        req, lim = res.get("requests", {}), res.get("limits", {})
        check("cpu" in req and "memory" in req and "memory" in lim, f"{name}: needs cpu and memory requests and a memory limit")
        if "memory" in req and "memory" in lim:
            check(quantity(lim["memory"]) >= quantity(req["memory"]), f"{name}: memory limit below its request")
        maps = {e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e}
        check(len(maps) == 1, f"{name}: market settings must come from exactly one ConfigMap, got {maps}")
        market_maps |= maps
        env = {e["name"]: str(e["value"]) for e in c.get("env", [])}
        for m in maps:
            if check(m in configmaps, f"{name}: ConfigMap {m} is missing"):
                shadowed = set(configmaps[m]["data"]) & set(env)
                check(not shadowed, f"{name}: overrides shared market settings {shadowed} per Deployment")
                env = {**{k: str(v) for k, v in configmaps[m]["data"].items()}, **env}
        helptext = subprocess.run([f"{release}/{binary}", "--help"], capture_output=True, text=True, check=True).stdout
        for var in env:
            if var.startswith("TICKER_"):
                check(f"[env: {var}=" in helptext, f"{name}: {var} is not a {binary} flag")
        grace = spec.get("terminationGracePeriodSeconds", 30)
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        if binary == "ws-server":
            check(name in hpas and hpas[name]["spec"].get("minReplicas", 1) >= 2, f"{name}: needs an autoscaler with at least 2 replicas")
            check(any(pods_of(p["spec"]["selector"]["matchLabels"]) == [name] for p in by_kind.get("PodDisruptionBudget", {}).values()), f"{name}: needs a PodDisruptionBudget")
            shutdown_s = int(env.get("TICKER_WS_SHUTDOWN_GRACE_MS", "5000")) / 1000
            check(grace > pre_stop + shutdown_s + 1, f"{name}: grace {grace}s does not cover preStop {pre_stop}s + shutdown {shutdown_s}s")
            check(pre_stop > 0, f"{name}: needs a preStop pause so no client is routed to a stopping pod")
            conns = int(env.get("TICKER_WS_MAX_CONNECTIONS", "19500"))
            need = (conns * KIB_PER_CONNECTION * 1024 + BASE_MIB * 2**20)
            if "memory" in req:
                check(quantity(req["memory"]) >= need, f"{name}: memory request {req['memory']} is below {conns} connections × {KIB_PER_CONNECTION} KiB + {BASE_MIB} MiB")
            check(env.get("TICKER_WS_PORT") == str(ports.get("ws")), f"{name}: TICKER_WS_PORT differs from the container port")
        if problems:
            continue
        # Run it as the pod would, on a free loopback port.
        port = free_port()
        run_env = {**os.environ, **env}
        for var in ("TICKER_WS_HOST", "TICKER_REST_HOST"):
            run_env[var] = "127.0.0.1"
        for var in ("TICKER_WS_PORT", "TICKER_REST_PORT"):
            if var in env:
                run_env[var] = str(port)
        proc = subprocess.Popen([f"{release}/{binary}", *c["command"][1:]], env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and not health(port) and proc.poll() is None:
                time.sleep(0.1)
            if check(health(port), f"{name}: {binary} with the Deployment's environment never answered /health 200: {proc.stderr.read() if proc.poll() is not None else ''}"):
                started = time.time()
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=grace)
                check(code == 0, f"{name}: exited {code} on SIGTERM")
                check(time.time() - started < grace - pre_stop, f"{name}: took longer than its grace period to stop")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        print(f"{name}: {binary} starts with the Deployment's environment, answers /health, stops on SIGTERM")
    check(len(market_maps) == 1, f"the Deployments use different market ConfigMaps {market_maps}: their prices would differ")

    for p in problems:
        print(f"deploy/k8s: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
