#!/usr/bin/env bash
# Writes deploy/link/mall-node.order: the functions of mall-node's release
# binary that an idle gate runs (its start, its API answering a health check,
# a status read and a few camera reads, its tries to reach a broker that is
# not there), which the release link places side by side at the front of the
# binary's code (Package.swift, `edgeReleaseLinking`).
#
# Why: the kernel maps the 64 KiB around every page of code a process
# touches, so a few thousand functions run once at start, scattered over the
# 27 MiB of code, kept 18 MiB of it resident in an idle gate; placed at the
# front, 10.5 MiB (BENCHMARKS.md, 2026-12-06, late morning). The rest is the
# code they share a section with: most modules are compiled without a
# section per function, so a function that is not public moves with its
# whole file's code.
#
# Run it again when an idle gate's resident memory grows (functions renamed
# or added since leave the list; the link ignores names it does not find).
# Needs valgrind (callgrind lists every function that ran) and about a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
swift build -c release --product mall-node >"${TMPDIR:-/tmp}/malledge-build.log" 2>&1 ||
  { cat "${TMPDIR:-/tmp}/malledge-build.log"; exit 1; }
binary="$(swift build -c release --show-bin-path)/mall-node"
work=$(mktemp -d /tmp/malledge-order.XXXXXX)
node_pid=
cleanup() {
  [ -z "$node_pid" ] || kill -TERM "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# valgrind cannot read the DWARF 5 of this binary's debug sections; the
# symbol table is all it needs.
objcopy --strip-debug "$binary" "$work/mall-node"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
api_port=$(free_port)
closed_port=$(free_port)
printf 'order-hot-code-token\n' >"$work/token"
printf '[node]\nid = "gate-order-1"\nmall = "mall-demo"\nrole = "gate"\ndata_dir = "%s/data"\n\n[api]\nlisten = "127.0.0.1:%s"\ndevice_token_file = "%s/token"\n\n[mqtt]\nport = %s\n' \
  "$work" "$api_port" "$work" "$closed_port" >"$work/gate.toml"

valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
  "$work/mall-node" run --config "$work/gate.toml" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$api_port/v1/health" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$api_port/v1/sync" >/dev/null
for plate in 沪A12345 沪AD1234 京B88888; do
  curl -fsS -X POST "http://127.0.0.1:$api_port/v1/gate/reads" -H 'content-type: application/json' \
    -H 'authorization: Bearer order-hot-code-token' \
    -d "{\"lane\": \"north-1\", \"direction\": \"in\", \"plate\": \"$plate\", \"confidence\": 0.95}" >/dev/null
done
sleep 5
kill -INT "$node_pid"
wait "$node_pid" || true
node_pid=

mkdir -p deploy/link
nm --defined-only "$work/mall-node" | awk '{ print $3 }' | sort -u >"$work/defined.txt"
python3 - "$work/callgrind.out" "$work/defined.txt" deploy/link/mall-node.order <<'PY'
import re, sys
names, ran = {}, set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
    if match:
        kind, number, name = match.groups()
        if name:
            names[number] = name
        if kind == "fn":
            ran.add(number)
defined = set(open(sys.argv[2]).read().split())
# Sorted, so that a new run changes the file only where the code changed.
order = sorted({names[number] for number in ran if names.get(number) in defined})
open(sys.argv[3], "w").write("".join(f"{name}\n" for name in order))
print(f"{len(order)} functions of mall-node ran in an idle gate: {sys.argv[3]}")
PY
