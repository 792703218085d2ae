#!/usr/bin/env bash
# Writes deploy/link/mall-node.order: the functions of mall-node's release
# binary that a gate runs, which the release link places side by side at the
# front of the binary's code (Package.swift, `edgeReleaseLinking`). First
# what a gate runs to start and join its hub (the broker and the hub are real,
# on free loopback ports), then what it runs only once it is busy: a
# reservation arriving from the hub, camera reads decided against it, their
# changes sent up and acknowledged, its API answering.
#
# Why: the kernel maps the 64 KiB around every page of code a process
# touches, so a few thousand functions run once at start, scattered over the
# 27 MiB of code, kept 18 MiB of it resident in an idle gate; placed at the
# front, 10.5 MiB (BENCHMARKS.md, 2026-12-06, late morning). The rest is the
# code they share a section with: a function that is not public stays in
# its file's one section of code (`-Xfrontend -function-sections` did not
# change that), so it moves with all of that file's code.
#
# Run it again when a gate's resident memory grows (functions renamed or
# added since leave the list; the link ignores names it does not find).
# Needs valgrind (callgrind lists every function that ran) and a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
deploy/scripts/install-deps.sh
for product in mall-hub mall-node; do
  swift build -c release --product $product >"${TMPDIR:-/tmp}/malledge-build.log" 2>&1 ||
    { cat "${TMPDIR:-/tmp}/malledge-build.log"; exit 1; }
done
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d /tmp/malledge-order.XXXXXX)
pids=()
keep_logs=0
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "$keep_logs" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() {
  for _ in $(seq 1 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "gave up waiting for: $*; logs in $work" >&2
  keep_logs=1
  exit 1
}

broker_port=$(free_port)
hub_port=$(free_port)
api_port=$(free_port)
mkdir -p "$work/broker"
sed -e "s|@PORT@|$broker_port|" -e "s|@DIR@|$work/broker|" deploy/mosquitto/demo.conf >"$work/broker/mosquitto.conf"
[ "$(id -u)" -ne 0 ] || echo "user root" >>"$work/broker/mosquitto.conf"
mosquitto -c "$work/broker/mosquitto.conf" >"$work/broker/mosquitto.log" 2>&1 &
pids+=($!)
printf 'order-admin-token\n' >"$work/admin.token"
printf 'order-device-token\n' >"$work/device.token"
printf '[hub]\ndata_dir = "%s/hub"\n\n[http]\nlisten = "127.0.0.1:%s"\nadmin_token_file = "%s/admin.token"\n\n[mqtt]\nport = %s\n\n[[nodes]]\nid = "gate-order-1"\nmall = "mall-demo"\nrole = "gate"\n' \
  "$work" "$hub_port" "$work" "$broker_port" >"$work/hub.toml"
"$bin/mall-hub" run --config "$work/hub.toml" >"$work/hub.log" 2>&1 &
pids+=($!)
printf '[node]\nid = "gate-order-1"\nmall = "mall-demo"\nrole = "gate"\ndata_dir = "%s/gate"\n\n[api]\nlisten = "127.0.0.1:%s"\ndevice_token_file = "%s/device.token"\n\n[mqtt]\nport = %s\n' \
  "$work" "$api_port" "$work" "$broker_port" >"$work/gate.toml"
# valgrind cannot read the DWARF 5 of the binary's debug sections; the
# symbol table is all it needs.
objcopy --strip-debug "$bin/mall-node" "$work/mall-node"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
  "$work/mall-node" run --config "$work/gate.toml" >"$work/gate.log" 2>&1 &
node_pid=$!
pids+=($node_pid)

admin() { curl -fsS -X "$1" "http://127.0.0.1:$hub_port$2" -H 'content-type: application/json' -H 'authorization: Bearer order-admin-token' ${3:+-d "$3"}; }
gate() { curl -fsS "http://127.0.0.1:$api_port$1" -H 'content-type: application/json' -H 'authorization: Bearer order-device-token' "${@:2}"; }
sync_state() { gate /v1/sync | python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if $1 else 1)"; }

# The first part: started, joined, idle.
wait_for curl -fsS "http://127.0.0.1:$hub_port/v1/health"
wait_for gate /v1/health
wait_for sync_state 's["connected"] and s["hubSilentForMillis"] is not None'
sleep 3
callgrind_control --dump=joined "$node_pid" >/dev/null 2>&1

# The second part: busy.
now=$(($(date +%s) * 1000))
admin POST /v1/admin/rows '{"mall": "mall-demo", "decision": "order.seed", "writes": [{"table": "members", "key": "m-001", "op": "insert", "columns": {"name": "Order", "tier": "gold", "card_no": "C-001", "guests_allowed": 2}}]}' >/dev/null
admin POST /v1/admin/rows "{\"mall\": \"mall-demo\", \"decision\": \"order.seed\", \"writes\": [{\"table\": \"reservations\", \"key\": \"r-001\", \"op\": \"insert\", \"columns\": {\"member_id\": \"m-001\", \"plate\": \"沪A12345\", \"zone\": \"VIP-B2\", \"window_start\": $((now - 1800000)), \"window_end\": $((now + 14400000)), \"status\": \"booked\"}}]}" >/dev/null
wait_for gate /v1/rows/reservations/r-001
for plate in 沪A12345 沪A12346 京B88888; do
  gate /v1/gate/reads -X POST -d "{\"lane\": \"north-1\", \"direction\": \"in\", \"plate\": \"$plate\", \"confidence\": 0.95}" >/dev/null
done
wait_for sync_state 's["outboxDepth"] == 0'
sleep 2
kill -INT "$node_pid"
wait "$node_pid" || true

mkdir -p deploy/link
nm --defined-only "$work/mall-node" | awk '{ print $3 }' | sort -u >"$work/defined.txt"
python3 - "$work/defined.txt" deploy/link/mall-node.order "$work/callgrind.out.1" "$work/callgrind.out" <<'PY'
import re, sys
defined = set(open(sys.argv[1]).read().split())
def ran(path):
    names, numbers = {}, set()
    for line in open(path, encoding="utf-8", errors="replace"):
        match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            kind, number, name = match.groups()
            if name:
                names[number] = name
            if kind == "fn":
                numbers.add(number)
    return {names[number] for number in numbers if names.get(number) in defined}
joined, busy = ran(sys.argv[3]), ran(sys.argv[4])
# Each part sorted, so that a new run changes the file only where the code changed.
order = sorted(joined) + sorted(busy - joined)
open(sys.argv[2], "w").write("".join(f"{name}\n" for name in order))
print(f"{len(joined)} functions of mall-node ran to start and join, {len(busy - joined)} more once busy: {sys.argv[2]}")
# SwiftPM does not know the link reads the list: a build relinks only when code changed.
print("a release build already made keeps the old order until mall-node is linked again")
PY
