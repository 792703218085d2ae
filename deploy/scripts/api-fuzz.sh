#!/usr/bin/env bash
# Runs schemathesis (PyPI) against a gate, a lounge desk and a gift counter
# node, each started on its own with no broker, from the published contract
# `sync-protocol/node-api.openapi.json`: every operation with generated valid
# and invalid requests, with the device token. Fails on any 5xx, or when a
# node process dies.
#   API_FUZZ_EXAMPLES=N  examples per operation (default 30)
# Uses the debug binaries `swift build` made; installs schemathesis if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${API_FUZZ_EXAMPLES:-30}
# Installed for this python3 (PyPI); a fresh shell may not have it on PATH yet,
# so it is run from the interpreter's own scripts directory.
scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
if ! python3 -c 'import schemathesis' 2>/dev/null; then
  python3 -m pip install -q schemathesis || python3 -m pip install -q --break-system-packages schemathesis
fi
schemathesis="$scripts/schemathesis"
[ -x "$schemathesis" ] || schemathesis=$(command -v schemathesis)
bin=$(swift build --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/malledge-api-fuzz.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

status=0
for role in gate lounge gift; do
  node="$role-1"
  port=$(free_port)
  token="api-fuzz-device-token-$node"
  echo "$token" >"$work/$node.token"
  cat >"$work/$node.toml" <<TOML
[node]
id = "$node"
mall = "mall-fuzz"
role = "$role"
data_dir = "$work/$node"
[api]
listen = "127.0.0.1:$port"
device_token_file = "$work/$node.token"
[mqtt]
port = $(free_port)
TOML
  "$bin/mall-node" run --config "$work/$node.toml" >"$work/$node.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
  if "$schemathesis" run sync-protocol/node-api.openapi.json --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" --checks not_a_server_error --max-examples "$examples" \
    --request-timeout 10 --no-color >"$work/$node.schemathesis.log" 2>&1; then
    summary=$(grep -E "passed|failed|errored" "$work/$node.schemathesis.log" | tail -1)
    echo "api-fuzz $role: ${summary:-done}"
  else
    echo "api-fuzz $role: FAILED (log $work/$node.schemathesis.log)"
    grep -E "Server error|5[0-9][0-9]|FAILED|Error" "$work/$node.schemathesis.log" | head -20 || true
    status=1
  fi
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "api-fuzz $role: mall-node died (log $work/$node.log)"; status=1; }
done
exit $status
