#!/usr/bin/env python3
"""Drives the demo fleet the way its users would, through the real APIs.

The hub's admin API seeds members, reservations, a desk clerk and gift
codes; then, for the given time, the gate controllers send camera reads
(some misread, some unknown cars), a clerk checks members in and out of the
lounge, and a clerk scans gift codes (some twice). Only the standard library.

    demo-activity.py DIR HUB_PORT SECONDS name=port ...
"""
import json
import random
import sys
import time
import urllib.error
import urllib.request

directory, hub_port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
api = dict(argument.split("=") for argument in sys.argv[4:])
admin_token = open(f"{directory}/admin.token").read().strip()
MALL = "mall-demo"
random.seed(7)


def call(port, method, path, body=None, token=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text.strip().startswith(b"{") or text.strip().startswith(b"[") else {}
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {}


def node(name, method, path, body=None, token=None):
    return call(api[name], method, path, body, token or f"demo-device-token-{name}")


def hub(method, path, body=None):
    status, answer = call(hub_port, method, path, body, admin_token)
    if status >= 300:
        sys.exit(f"hub refused {method} {path}: {status} {answer}")
    return answer


# Seed at the hub, as the back office would.
now = int(time.time() * 1000)
surnames = ["Zhang", "Wang", "Li", "Zhao", "Chen", "Liu", "Yang", "Huang", "Zhou", "Wu"]
tiers = [("black", 3), ("gold", 2), ("white", 1)]
members, plates = [], []
for index in range(1, 41):
    tier, guests = tiers[index % 3]
    members.append({"table": "members", "key": f"m-{index:03}", "op": "insert", "columns": {
        "name": f"{surnames[index % 10]} {index}", "tier": tier, "card_no": f"C-{index:03}", "guests_allowed": guests}})
    plates.append(f"沪A{random.choice('0123456789DBQS')}{random.randint(1000, 9999)}")
reservations = [{"table": "reservations", "key": f"r-{index:03}", "op": "insert", "columns": {
    "member_id": f"m-{index:03}", "plate": plate, "zone": "VIP-B2", "window_start": now - 1_800_000,
    "window_end": now + 4 * 3_600_000, "status": "booked"}} for index, plate in enumerate(plates, 1)]
hub("POST", "/v1/admin/rows", {"mall": MALL, "decision": "demo.seed", "writes": members})
hub("POST", "/v1/admin/rows", {"mall": MALL, "decision": "demo.seed", "writes": reservations})
hub("PUT", "/v1/admin/staff/s-desk", {"mall": MALL, "name": "Desk Clerk", "roles": ["lounge-staff", "gift-staff"], "pin": "246813"})
codes = [hub("POST", "/v1/admin/gift-codes", {"mall": MALL, "member": f"m-{index:03}", "gift": "tea-set", "validDays": 7})
         for index in range(1, 31)]
print(f"seeded at the hub: 40 members, 40 reservations, a desk clerk (s-desk, PIN 246813), {len(codes)} gift codes")

# Wait for the data to reach the nodes.
deadline = time.time() + 30
while time.time() < deadline:
    ready = [node("gate-north-1", "GET", "/v1/rows/reservations/r-040")[0],
             node("lounge-vip-1", "GET", "/v1/rows/staff/s-desk")[0],
             node("gift-counter-1", "GET", f"/v1/rows/gift_codes/{codes[-1]['codeId']}")[0]]
    if ready == [200, 200, 200]:
        break
    time.sleep(0.2)
sessions = {}
for desk in ["lounge-vip-1", "gift-counter-1"]:
    status, answer = node(desk, "POST", "/v1/staff/sessions", {"staffId": "s-desk", "pin": "246813"}, token="-")
    sessions[desk] = answer.get("token")

confusions = {"0": "D", "D": "0", "Q": "0", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "6": "G", "1": "I"}
outcomes = {}
inside = []
end = time.time() + seconds
step = 0
while time.time() < end:
    step += 1
    # A car at the north entrance: mostly reserved, sometimes misread, sometimes a stranger.
    plate = plates[step % len(plates)]
    read = {"lane": "north-in", "direction": "in", "plate": plate[:2] + "·" + plate[2:], "confidence": 0.96}
    if step % 7 == 0:
        position = next((i for i in range(2, 7) if plate[i] in confusions), None)
        if position is not None:
            read["plate"] = plate[:position] + confusions[plate[position]] + plate[position + 1:]
            read["characterConfidences"] = [0.98 if i != position else 0.41 for i in range(7)]
    if step % 11 == 0:
        read["plate"] = f"苏E{random.randint(10000, 99999)}"
    status, answer = node("gate-north-1", "POST", "/v1/gate/reads", read)
    outcomes[f"gate in: {answer.get('decision')} ({answer.get('reason')})"] = outcomes.get(
        f"gate in: {answer.get('decision')} ({answer.get('reason')})", 0) + 1
    if answer.get("decision") == "admit":
        inside.append(plate)
    # Every third step a car leaves by the south exit.
    if step % 3 == 0 and inside:
        leaving = inside.pop(0)
        status, answer = node("gate-south-1", "POST", "/v1/gate/reads",
                              {"lane": "south-out", "direction": "out", "plate": leaving, "confidence": 0.95})
        key = f"gate out: {answer.get('decision')} ({answer.get('reason')})"
        outcomes[key] = outcomes.get(key, 0) + 1
    # The lounge desk: a member checks in by card, sometimes with guests; some leave.
    card = f"C-{random.randint(1, 40):03}"
    if step % 4 == 0:
        status, answer = node("lounge-vip-1", "POST", "/v1/lounge/check-outs", {"member": card}, sessions["lounge-vip-1"])
        key = "lounge check-out: " + ("done" if status == 200 else "no open visit")
    else:
        status, answer = node("lounge-vip-1", "POST", "/v1/lounge/check-ins",
                              {"member": card, "guests": random.randint(0, 3)}, sessions["lounge-vip-1"])
        key = f"lounge check-in: {answer.get('outcome')}" + (f" ({answer['reason']})" if answer.get("reason") else "")
    outcomes[key] = outcomes.get(key, 0) + 1
    # The gift counter: a code scanned, and now and then one scanned again.
    if step % 2 == 0:
        code = codes[(step // 2) % len(codes)]["text"]
        status, answer = node("gift-counter-1", "POST", "/v1/gifts/redemptions", {"code": code}, sessions["gift-counter-1"])
        key = f"gift: {answer.get('outcome')}" + (f" ({answer['reason']})" if answer.get("reason") else "")
        outcomes[key] = outcomes.get(key, 0) + 1
    if step % 50 == 0:
        print(f"  {step} steps…", flush=True)
    time.sleep(0.1)

print("\ndecisions made in the demo:")
for key in sorted(outcomes):
    print(f"  {outcomes[key]:5}  {key}")
