#!/usr/bin/env bash
# Runs schemathesis (PyPI) against a gate, a lounge desk and a gift counter
# node, each started on its own with no broker, from the published contract
# `sync-protocol/node-api.openapi.json`, with the device token; then against
# a hub from `sync-protocol/hub-api.openapi.json`, with the admin token: every
# operation with generated valid and invalid requests. Fails on any 5xx, or
# when a process dies.
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

# One schemathesis run against the server on $port; $1 names it, $2 is the
# document, $3 the token.
fuzz() {
  local name=$1 document=$2 token=$3
  if "$schemathesis" run "$document" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" --checks not_a_server_error --max-examples "$examples" \
    --request-timeout 10 --no-color >"$work/$name.schemathesis.log" 2>&1; then
    summary=$(grep -E "passed|failed|errored" "$work/$name.schemathesis.log" | tail -1)
    echo "api-fuzz $name: ${summary:-done}"
  else
    echo "api-fuzz $name: FAILED (log $work/$name.schemathesis.log)"
    grep -E "Server error|5[0-9][0-9]|FAILED|Error" "$work/$name.schemathesis.log" | head -20 || true
    status=1
  fi
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "api-fuzz $name: the process died (log $work/$name.log)"; status=1; }
}

wait_for_health() {
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
}

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
  "$bin/mall-node" run --config "$work/$node.toml" >"$work/$role.log" 2>&1 &
  pids+=($!)
  wait_for_health
  fuzz "$role" sync-protocol/node-api.openapi.json "$token"
done

# The hub, with a fleet of one node per role, an operator and no broker.
port=$(free_port)
token="api-fuzz-admin-token-0123456789"
echo "$token" >"$work/hub.token"
hash=$(echo "correct horse battery" | "$bin/mall-hub" hash-password)
cat >"$work/hub.toml" <<TOML
[hub]
id = "hub"
data_dir = "$work/hub"
[http]
listen = "127.0.0.1:$port"
admin_token_file = "$work/hub.token"
[mqtt]
port = $(free_port)
[[operators]]
id = "op1"
name = "Li Wei"
role = "operator"
password_hash = "$hash"
[[nodes]]
id = "gate-1"
mall = "mall-fuzz"
role = "gate"
[[nodes]]
id = "gift-1"
mall = "mall-fuzz"
role = "gift"
[[nodes]]
id = "lounge-1"
mall = "mall-fuzz"
role = "lounge"
TOML
"$bin/mall-hub" run --config "$work/hub.toml" >"$work/hub.log" 2>&1 &
pids+=($!)
wait_for_health
fuzz hub sync-protocol/hub-api.openapi.json "$token"
exit $status
