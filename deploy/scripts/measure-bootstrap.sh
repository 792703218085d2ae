#!/usr/bin/env bash
# How long a brand-new gate takes to bootstrap a parking channel of N rows
# with default settings, measured with the real processes: a Mosquitto broker
# on a free loopback port, mall-hub on a store filled by `mall-bench seed-hub`
# (which prints a raw SQLite bulk insert of the same rows beside it), and a
# mall-node that joins with an empty replica. Prints the node's progress from
# GET /v1/sync while it runs, the hub's peak resident memory, and checks that
# the node's digest of the channel equals the hub's (exits 1 if not). Then
# restarts the node on its replica and prints how long until its API
# answers, its resident memory, and the replica's bytes on disk per row.
# Then the gate goes away while the hub logs CATCH_UP_CHANGES more
# reservations (`seed-hub --append` into its store, hub stopped meanwhile, with
# the raw bulk insert of the same rows beside it), and both come back: how
# long until the gate's cursor reaches the hub's head, and the digests again.
#
#   BOOTSTRAP_ROWS   rows in the channel (default 100000)
#   CATCH_UP_CHANGES changes logged while the gate is away (default 10000;
#                    0 skips the catch-up)
#   BOOTSTRAP_DIR    where data and logs go, kept (default: a new /tmp
#                    directory, removed once the digests agree)
#   BOOTSTRAP_BIN    directory of release binaries (default: build them)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${BOOTSTRAP_ROWS:-100000}
catch_up=${CATCH_UP_CHANGES:-10000}
if [ -n "${BOOTSTRAP_BIN:-}" ]; then
  bin=$BOOTSTRAP_BIN
else
  deploy/scripts/install-deps.sh
  for product in mall-hub mall-node mall-bench; do
    swift build -c release --product $product >"${TMPDIR:-/tmp}/malledge-build.log" 2>&1 ||
      { cat "${TMPDIR:-/tmp}/malledge-build.log"; exit 1; }
  done
  bin=$(swift build -c release --show-bin-path)
fi
dir=${BOOTSTRAP_DIR:-$(mktemp -d /tmp/malledge-bootstrap.XXXXXX)}
mkdir -p "$dir/hub" "$dir/broker"
pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() {
  for _ in $(seq 1 600); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "nothing answers at $1; see the logs in $dir" >&2
  return 1
}

"$bin/mall-bench" seed-hub --rows "$rows" --store "$dir/hub/hub.sqlite" --mall mall-demo | tee "$dir/seed.txt"

# The rows per second of seed-hub's raw insert of the same states (its
# baseline line in the file given): each figure is printed as a ratio to it.
raw_rate() {
  sed -n 's/.*raw SQLite insert of the same states, one transaction: .* (\([0-9]*\) rows\/s).*/\1/p' "$1"
}

broker_port=$(free_port)
hub_port=$(free_port)
node_port=$(free_port)
sed -e "s|@PORT@|$broker_port|" -e "s|@DIR@|$dir/broker|" deploy/mosquitto/demo.conf >"$dir/broker/mosquitto.conf"
[ "$(id -u)" -ne 0 ] || echo "user root" >>"$dir/broker/mosquitto.conf"
mosquitto -c "$dir/broker/mosquitto.conf" >>"$dir/broker/mosquitto.log" 2>&1 &
pids+=($!)
printf 'bootstrap-admin-token-%s\n' "$hub_port" >"$dir/admin.token"
printf '[hub]\ndata_dir = "%s/hub"\n\n[http]\nlisten = "127.0.0.1:%s"\nadmin_token_file = "%s/admin.token"\n\n[mqtt]\nport = %s\n\n[[nodes]]\nid = "gate-new-1"\nmall = "mall-demo"\nrole = "gate"\n' \
  "$dir" "$hub_port" "$dir" "$broker_port" >"$dir/hub.toml"
"$bin/mall-hub" run --config "$dir/hub.toml" >"$dir/hub.log" 2>&1 &
hub_pid=$!
pids+=($hub_pid)
wait_http "http://127.0.0.1:$hub_port/v1/health"

printf 'bootstrap-device-token\n' >"$dir/gate.device-token"
printf '[node]\nid = "gate-new-1"\nmall = "mall-demo"\nrole = "gate"\ndata_dir = "%s/gate"\n\n[api]\nlisten = "127.0.0.1:%s"\ndevice_token_file = "%s/gate.device-token"\n\n[mqtt]\nport = %s\n' \
  "$dir" "$node_port" "$dir" "$broker_port" >"$dir/gate.toml"
started=$(date +%s.%N)
"$bin/mall-node" run --config "$dir/gate.toml" >"$dir/gate.log" 2>&1 &
node_pid=$!
pids+=($node_pid)
wait_http "http://127.0.0.1:$node_port/v1/health"

# Progress from the node's own API, and the hub's memory from /proc, until
# the parking channel has a cursor and no snapshot half staged.
python3 - "$node_port" "$hub_pid" "$node_pid" "$started" "$rows" "$(raw_rate "$dir/seed.txt")" <<'PY'
import json, os, sys, time, urllib.request
port, hub, node, started = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
rows, raw_rate = int(sys.argv[5]), float(sys.argv[6] or 0)
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
hub_cpu = cpu(hub)
peak, last, printed = 0, None, 0.0
def memory(field):
    for line in open(f"/proc/{hub}/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024
    return 0
while True:
    peak = max(peak, memory("VmRSS:"))
    state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/sync"))
    parking = next(c for c in state["cursors"] if c["channel"].endswith("/parking"))
    snapshot = parking.get("snapshot")
    line = (f"  {time.time() - started:6.1f} s  staged {snapshot['held']:>9,} of {snapshot.get('total', 0):,} rows"
            if snapshot else f"  {time.time() - started:6.1f} s  cursor {parking['seq']}")
    # A line when the state changes, at most one every 2 s while staging.
    what = line.split("s  ", 1)[1]
    if what != last and (not snapshot or last is None or not last.startswith("staged") or time.time() - printed >= 2):
        print(line, flush=True)
        last, printed = what, time.time()
    if parking["seq"] > 0 and not snapshot:
        break
    if time.time() - started > 3600:
        sys.exit("no bootstrap within an hour")
    time.sleep(1)
elapsed = time.time() - started
print(f"bootstrap: {elapsed:.1f} s from the node's start to the channel installed")
if raw_rate > 0:
    print(f"  against the raw insert of the same states above ({rows / raw_rate:.2f} s): "
          f"{rows / raw_rate / elapsed:.2f}x its rate")
print(f"  hub resident memory: {peak} MiB at most while it served (sampled each second; VmHWM {memory('VmHWM:')} MiB)")
print(f"  CPU time: hub {cpu(hub) - hub_cpu:.1f} s, node {cpu(node):.1f} s (both together: the machine's 2 cores are shared)")
PY

# Let the cursor settle, then compare the channel's digests.
compare_digests() {
  sleep 2
  hub_digest=$("$bin/mall-hub" digest --config "$dir/hub.toml" | grep '/parking' || true)
  node_digest=$("$bin/mall-node" digest --config "$dir/gate.toml" | grep '/parking' || true)
  echo "  hub  $hub_digest"
  echo "  node $node_digest"
  if [ -z "$hub_digest" ] || [ "$hub_digest" != "$node_digest" ]; then
    echo "the node's replica of the channel differs from the hub's; logs in $dir" >&2
    exit 1
  fi
}
compare_digests

# The gate restarts on its own replica: how long until its API answers (it
# loads its decision views first), and what it holds in memory and on disk.
rss_mib() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$1/status"; }
echo "  node resident memory with the channel installed: $(rss_mib "$node_pid") MiB"
kill -TERM "$node_pid"
wait "$node_pid" 2>/dev/null || true
restarted=$(date +%s.%N)
"$bin/mall-node" run --config "$dir/gate.toml" >>"$dir/gate.log" 2>&1 &
node_pid=$!
pids+=($node_pid)
wait_http "http://127.0.0.1:$node_port/v1/health"
echo "restart on its own replica: API answering after $(python3 -c "import time; print(f'{time.time() - $restarted:.1f}')") s, resident memory $(rss_mib "$node_pid") MiB"
python3 - "$dir/gate/replica.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
page, pages, free = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count", "freelist_count"))
rows = db.execute("SELECT count(*) FROM rows").fetchone()[0]
state = db.execute("SELECT avg(length(state)) FROM rows").fetchone()[0] or 0
print(f"  replica on disk: {page * pages / 2**20:.0f} MiB, {page * (pages - free) / 2**20:.0f} MiB in use "
      f"({page * (pages - free) / max(rows, 1):.0f} bytes per row, of which the merge state {state:.0f})")
PY

# The gate goes away for a busy day: it stops, and the hub logs $catch_up
# reservations meanwhile (stopped too, so that seed-hub may write its store).
# Both come back; the gate hears the hub's head and catches up by resend
# answers (SPEC §9.3).
if [ "$catch_up" -gt 0 ]; then
  kill -TERM "$node_pid" "$hub_pid"
  wait "$node_pid" "$hub_pid" 2>/dev/null || true
  "$bin/mall-bench" seed-hub --append --rows "$catch_up" --store "$dir/hub/hub.sqlite" --mall mall-demo |
    tee "$dir/seed-append.txt"
  head=$(sed -n "s/.*the log's head is \([0-9]*\).*/\1/p" "$dir/seed-append.txt")
  "$bin/mall-hub" run --config "$dir/hub.toml" >>"$dir/hub.log" 2>&1 &
  hub_pid=$!
  pids+=($hub_pid)
  wait_http "http://127.0.0.1:$hub_port/v1/health"
  started=$(date +%s.%N)
  "$bin/mall-node" run --config "$dir/gate.toml" >>"$dir/gate.log" 2>&1 &
  node_pid=$!
  pids+=($node_pid)
  # Polled every few milliseconds from the start, not after wait_http's
  # tenths of a second: the figure is the node's, not the poll's.
  python3 - "$node_port" "$head" "$started" "$catch_up" "$hub_pid" "$node_pid" "$(raw_rate "$dir/seed-append.txt")" <<'PY'
import json, os, sys, time, urllib.request
port, head, started, changes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
raw_rate = float(sys.argv[7] or 0)
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
hub_cpu, node_cpu = cpu(sys.argv[5]), cpu(sys.argv[6])
heard, printed = None, 0.0
while True:
    try:
        state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/sync"))
    except OSError:
        if time.time() - started > 60:
            sys.exit("the node's API did not answer within a minute")
        time.sleep(0.005)
        continue
    parking = next(c for c in state["cursors"] if c["channel"].endswith("/parking"))
    now = time.time() - started
    if heard is None and parking["head"] >= head:
        heard = now
    if parking["seq"] >= head:
        break
    if now - printed >= 1:
        print(f"  {now:6.1f} s  cursor {parking['seq']:,} of head {parking['head']:,}", flush=True)
        printed = now
    if now > 3600:
        sys.exit("no catch-up within an hour")
    time.sleep(0.005)
print(f"catch-up: {changes:,} changes in {now:.2f} s from the node's start ({changes / now:,.0f} changes/s); "
      f"the node heard the head {heard or now:.2f} s after its start")
if raw_rate > 0:
    print(f"  against the raw insert of the same states above ({changes / raw_rate:.2f} s): "
          f"{changes / raw_rate / now:.2f}x its rate")
print(f"  CPU time: hub {cpu(sys.argv[5]) - hub_cpu:.2f} s, node {cpu(sys.argv[6]) - node_cpu:.2f} s")
PY
  compare_digests
fi
if [ -z "${BOOTSTRAP_DIR:-}" ]; then
  stop_all
  rm -rf "$dir"
  echo "digests agree"
else
  echo "digests agree; data and logs in $dir"
fi
