#!/usr/bin/env bash
# The MallEdge demo fleet on this machine, in one command: a Mosquitto broker
# on a free loopback port, the hub, and four nodes (two parking gates, a VIP
# lounge desk, a gift counter), each with its own data directory, then a
# short stream of simulated activity. Ctrl-C stops everything it started.
#
#   DEMO_SECONDS   how long to drive activity (default 30)
#   DEMO_DIR       where data and logs go (default: a new /tmp/malledge-demo.*)
#   DEMO_EXIT=1    stop after the activity instead of waiting for Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

deploy/scripts/install-deps.sh
echo "building mall-hub and mall-node (release)…"
for product in mall-hub mall-node; do
  swift build -c release --product $product >"${TMPDIR:-/tmp}/malledge-build.log" 2>&1 ||
    { cat "${TMPDIR:-/tmp}/malledge-build.log"; exit 1; }
done
bin=$(swift build -c release --show-bin-path)

dir=${DEMO_DIR:-$(mktemp -d /tmp/malledge-demo.XXXXXX)}
mkdir -p "$dir"
seconds=${DEMO_SECONDS:-30}
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping the demo fleet…"
  # Nodes and hub first, so they can say goodbye through the broker.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${broker_pid:-}" ]; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  echo "stopped. Data and logs stay in $dir"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() {
  for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "nothing answers at $1; see the logs in $dir" >&2
  return 1
}

broker_port=$(free_port)
hub_port=$(free_port)
mkdir -p "$dir/broker"
sed -e "s|@PORT@|$broker_port|" -e "s|@DIR@|$dir/broker|" deploy/mosquitto/demo.conf >"$dir/broker/mosquitto.conf"
[ "$(id -u)" -ne 0 ] || echo "user root" >>"$dir/broker/mosquitto.conf"
mosquitto -c "$dir/broker/mosquitto.conf" >>"$dir/broker/mosquitto.log" 2>&1 &
broker_pid=$!

nodes=(gate-north-1:gate gate-south-1:gate lounge-vip-1:lounge gift-counter-1:gift)
{
  printf '[hub]\ndata_dir = "%s/hub"\n\n[http]\nlisten = "127.0.0.1:%s"\nadmin_token_file = "%s/admin.token"\n\n' \
    "$dir" "$hub_port" "$dir"
  printf '[[sites]]\nmall = "mall-demo"\nlatitude = 31.2304\nlongitude = 121.4737\n\n'
  printf '[console]\nhistory_interval_seconds = 2\n\n'
  printf '[[operators]]\nid = "demo"\nname = "Demo Operator"\nrole = "operator"\npassword_hash = "%s"\n\n' \
    "$(echo demo | "$bin/mall-hub" hash-password)"
  printf '[mqtt]\nport = %s\n\n[sync]\ngc_horizon_hours = 24\n' "$broker_port"
  for entry in "${nodes[@]}"; do
    printf '\n[[nodes]]\nid = "%s"\nmall = "mall-demo"\nrole = "%s"\n' "${entry%%:*}" "${entry##*:}"
  done
} >"$dir/hub.toml"
printf 'demo-admin-token-%s\n' "$hub_port" >"$dir/admin.token"
"$bin/mall-hub" run --config "$dir/hub.toml" >"$dir/hub.log" 2>&1 &
pids+=($!)

declare -A api
for entry in "${nodes[@]}"; do
  node=${entry%%:*}
  role=${entry##*:}
  port=$(free_port)
  api[$node]=$port
  printf 'demo-device-token-%s\n' "$node" >"$dir/$node.device-token"
  printf '[node]\nid = "%s"\nmall = "mall-demo"\nrole = "%s"\ndata_dir = "%s/%s"\n\n[api]\nlisten = "127.0.0.1:%s"\ndevice_token_file = "%s"\n\n[mqtt]\nport = %s\n' \
    "$node" "$role" "$dir" "$node" "$port" "$dir/$node.device-token" "$broker_port" >"$dir/$node.toml"
  "$bin/mall-node" run --config "$dir/$node.toml" >"$dir/$node.log" 2>&1 &
  pids+=($!)
done
wait_http "http://127.0.0.1:$hub_port/v1/health"
for node in "${!api[@]}"; do wait_http "http://127.0.0.1:${api[$node]}/v1/health"; done

echo
echo "MallEdge demo fleet is up (data and logs in $dir):"
echo "  broker  127.0.0.1:$broker_port"
echo "  hub     http://127.0.0.1:$hub_port/console"
for node in gate-north-1 gate-south-1 lounge-vip-1 gift-counter-1; do
  echo "  $node  http://127.0.0.1:${api[$node]}/v1/sync"
done
echo
echo "driving ${seconds}s of activity through the real APIs: cars at both gates, lounge check-ins, gift codes…"
args=()
for node in "${!api[@]}"; do args+=("$node=${api[$node]}"); done
python3 deploy/scripts/demo-activity.py "$dir" "$hub_port" "$seconds" "${args[@]}"
sleep 2
echo
"$bin/mall-hub" status --config "$dir/hub.toml" || true
echo
echo "digests (equal lines = equal replicas):"
"$bin/mall-hub" digest --config "$dir/hub.toml" | sed 's/^/  hub            /'
for node in gate-north-1 gate-south-1 lounge-vip-1 gift-counter-1; do
  "$bin/mall-node" digest --config "$dir/$node.toml" | sed "s/^/  $(printf '%-14s' $node) /"
done
echo
echo "Where to look:"
echo "  fleet state     $bin/mall-hub status --config $dir/hub.toml   or   curl -H \"authorization: Bearer \$(cat $dir/admin.token)\" http://127.0.0.1:$hub_port/v1/fleet"
echo "  a node          curl http://127.0.0.1:${api[gate-south-1]}/v1/sync"
echo "  a gate read     curl -H 'content-type: application/json' -H 'authorization: Bearer demo-device-token-gate-north-1' -d '{\"lane\":\"n\",\"direction\":\"in\",\"plate\":\"沪A·12345\",\"confidence\":0.9}' http://127.0.0.1:${api[gate-north-1]}/v1/gate/reads"
echo "  hub console     http://127.0.0.1:$hub_port/console   (operator demo, password demo)"
echo "  metrics         curl http://127.0.0.1:$hub_port/metrics"
echo "  lounge desk     http://127.0.0.1:${api[lounge-vip-1]}/lounge   (staff s-desk, PIN 246813)"
echo "  a gift code     $bin/mall-hub gift issue --config $dir/hub.toml --mall mall-demo --member m-001 --gift tea-set"
echo "  decisions       grep decision $dir/gate-north-1.log"
echo "  broker          $dir/broker/mosquitto.log"
if [ "${DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
echo
echo "The fleet keeps running: stop a node (kill -STOP), write to the other gate, resume it and watch it catch up."
echo "Press Ctrl-C to stop everything this script started."
# Sleep in the background and wait for it, so a signal runs the trap at once.
while true; do
  sleep 3600 &
  wait $! || true
done
