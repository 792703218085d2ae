#!/usr/bin/env python3
"""Measures a running demo fleet (deploy/scripts/demo.sh with DEMO_DIR set):
the time from a decision committed at gate-north-1 to the row being visible at
gate-south-1 (through the broker and the hub), and the resident memory of each
process. Each node's device token is read from DEMO_DIR/<node>.device-token.
Usage: measure-fleet.py DEMO_DIR [SAMPLES]"""
import json, os, re, statistics, subprocess, sys, time, urllib.request

directory = sys.argv[1]
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 200

def api_port(node):
    text = open(os.path.join(directory, f"{node}.toml")).read()
    return int(re.search(r'listen = "127\.0\.0\.1:(\d+)"', text).group(1))

def device_token(node):
    return open(os.path.join(directory, f"{node}.device-token")).read().strip()

source, target = api_port("gate-north-1"), api_port("gate-south-1")
tokens = {source: device_token("gate-north-1"), target: device_token("gate-south-1")}

def visible(port, key):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/rows/gate_passages/{key}",
                                     headers={"authorization": f"Bearer {tokens[port]}"})
    try:
        with urllib.request.urlopen(request) as r:
            return json.load(r)["visible"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise

def write(port, key):
    body = {"decision": "gate.admit", "writes": [{"table": "gate_passages", "key": key, "op": "insert",
            "columns": {"lane": "north-1", "direction": "in", "plate": "沪A12345", "decision": "admit",
                        "at": int(time.time() * 1000)}}]}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/writes", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json",
                                              "authorization": f"Bearer {tokens[port]}"}, method="POST")
    urllib.request.urlopen(request).read()

run = int(time.time())
latencies = []
for i in range(samples):
    key = f"lat-{run}-{i}"
    start = time.perf_counter()
    write(source, key)
    committed = time.perf_counter()
    while not visible(target, key):
        time.sleep(0.0005)
    latencies.append((time.perf_counter() - committed) * 1000)
    time.sleep(0.05)
latencies.sort()
p95 = latencies[int(len(latencies) * 0.95) - 1]
print(f"gate-north-1 -> hub -> gate-south-1, {samples} decisions: median {statistics.median(latencies):.1f} ms, "
      f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms (from commit acknowledged to row visible; polling adds ~0.5 ms)")

time.sleep(5)  # idle
for name in ["mall-hub", "mall-node"]:
    out = subprocess.run(["ps", "-C", name, "-o", "rss=,args="], capture_output=True, text=True).stdout
    for line in out.strip().splitlines():
        rss, args = line.strip().split(None, 1)
        if directory in args:
            print(f"resident memory {int(rss) / 1024:.1f} MiB  {os.path.basename(args.split('--config ')[-1])}")
