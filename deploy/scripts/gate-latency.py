#!/usr/bin/env python3
"""Answer time of a gate as its history grows, on a running demo fleet
(deploy/scripts/demo.sh with DEMO_DIR set): sends READS camera reads to
gate-north-1 one after another through its API (a keep-alive connection, as
a gate controller would hold), half of them reserved-looking plates, and
prints the median and 95th percentile answer time of every block of reads
beside the size of the gate's replica.
Usage: gate-latency.py DEMO_DIR [READS] [BLOCK]"""
import http.client, json, os, random, re, statistics, sys, time

directory = sys.argv[1]
reads = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
block = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
node = "gate-north-1"
port = int(re.search(r'listen = "127\.0\.0\.1:(\d+)"', open(os.path.join(directory, f"{node}.toml")).read()).group(1))
token = open(os.path.join(directory, f"{node}.device-token")).read().strip()
headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
replica = os.path.join(directory, node)

def replica_bytes():
    return sum(os.path.getsize(os.path.join(replica, name)) for name in os.listdir(replica)
               if name.endswith((".sqlite", ".sqlite-wal")))

random.seed(1)
connection = http.client.HTTPConnection("127.0.0.1", port)
print(f"{'reads':>8} {'replica':>10} {'median':>9} {'p95':>9}")
times = []
for index in range(1, reads + 1):
    plate = "沪A" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
    body = json.dumps({"lane": f"north-{index % 2 + 1}", "direction": "in", "plate": plate, "confidence": 0.95})
    started = time.perf_counter()
    connection.request("POST", "/v1/gate/reads", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    times.append(time.perf_counter() - started)
    if response.status != 201:
        sys.exit(f"read {index}: HTTP {response.status}")
    if index % block == 0:
        times.sort()
        print(f"{index:>8} {replica_bytes() / 1048576:>8.1f} MiB {statistics.median(times) * 1000:>7.2f} ms "
              f"{times[int(len(times) * 0.95)] * 1000:>7.2f} ms", flush=True)
        times = []
