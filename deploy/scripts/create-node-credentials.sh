#!/usr/bin/env bash
# Creates a node's MQTT credentials for the production broker
# (deploy/mosquitto/mall.conf): a random password in the broker's password
# file, the password alone in a file for the device (mode 0600), and the
# node's ACL block with the channels its role reads.
#
#   create-node-credentials.sh NODE MALL ROLE [PASSWD_FILE] [ACL_FILE] [OUT_DIR]
#   ROLE: gate | lounge | gift | hub
#   defaults: /etc/mosquitto/malledge.passwd /etc/mosquitto/malledge.acl .
set -euo pipefail

usage() { echo "usage: $0 NODE MALL ROLE [PASSWD_FILE] [ACL_FILE] [OUT_DIR]" >&2; exit 64; }
[ $# -ge 3 ] || usage
node=$1 mall=$2 role=$3
passwd_file=${4:-/etc/mosquitto/malledge.passwd}
acl_file=${5:-/etc/mosquitto/malledge.acl}
out_dir=${6:-.}
[[ $node =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "node id must be 1-64 letters, digits, '.', '_' or '-'" >&2; exit 65; }
[[ $mall =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "mall id must be 1-64 letters, digits, '.', '_' or '-'" >&2; exit 65; }
# The channels each role replicates (SyncCore's Role.subscriptions).
case $role in
  gate) channels=(parking staff) ;;
  lounge) channels=(members lounge staff) ;;
  gift) channels=(gifts members staff) ;;
  hub) channels=() ;;
  *) echo "role must be gate, lounge, gift or hub" >&2; exit 65 ;;
esac
# The hub's ACL block ships in mall.acl; nodes get theirs here, once.
if [ "$role" != hub ] && [ -f "$acl_file" ] && grep -qx "user $node" "$acl_file"; then
  echo "$node already has an ACL entry in $acl_file" >&2
  exit 65
fi

password=$(head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
touch "$passwd_file"
mosquitto_passwd -b "$passwd_file" "$node" "$password"
mkdir -p "$out_dir"
umask 077
printf '%s\n' "$password" >"$out_dir/$node.password"
if [ "$role" != hub ]; then
  {
    echo
    echo "user $node"
    for channel in "${channels[@]}"; do echo "topic read malledge/v1/$mall/channel/$channel"; done
  } >>"$acl_file"
fi
echo "created $node ($role of $mall): password in $out_dir/$node.password; reload the broker (systemctl reload mosquitto)"
