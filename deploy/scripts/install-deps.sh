#!/usr/bin/env bash
# Installs the system packages MallEdge builds and tests against, from
# Debian's archive, only when something is missing. Safe to run repeatedly.
#   libsqlite3-dev    the system SQLite that GRDB links
#   mosquitto         the MQTT broker the fleet and its integration tests use
#   libmosquitto-dev  the MQTT client library the transport wraps
#   mosquitto-clients mosquitto_pub/sub, for poking at a running fleet
#   curl              the demo drives the nodes' local APIs with it
#   openssl           the TLS tests make a throwaway CA and certificates
#   python3           the demo drives the fleet with a small standard-library script
#   chromium          pages are tested in a real headless browser (the lounge desk, the console)
#   prometheus        for promtool: the tests check the hub's /metrics and the sample alert rules
#   libqrencode-dev   the hub draws gift codes as QR codes with it
#   libpng-dev        and writes them as PNG images with it
#   zbar-tools        zbarimg, a real scanner, reads those QR codes back in the tests
#   libjs-chart.js    Chart.js, which the hub console serves itself (no CDN) for its charts
set -euo pipefail

packages=(libsqlite3-dev mosquitto libmosquitto-dev mosquitto-clients curl openssl python3 chromium prometheus
  libqrencode-dev libpng-dev zbar-tools libjs-chart.js)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
