#!/usr/bin/env python3
"""The plate rule measured through a gate's real API: seeds each book of
reservations `plate-quality --emit DIR` wrote into a running demo fleet
(deploy/scripts/demo.sh with DEMO_DIR set), posts the book's reads to
gate-north-1's POST /v1/gate/reads, cancels the book, and counts, per book size and form of evidence, how
often an unreserved car (random stranger, or neighbour one confusable
character from a reservation with it listed as a decoy) was matched to a
reservation, and how often a reserved car misread by one character was
matched to its own reservation or to another one. A read counts as matched
when the answer names a reservation's plate (an admit, or a refer because
that reservation is already inside).
Usage: plate-quality-api.py DEMO_DIR READS_DIR   (any fleet directory laid out as demo.sh lays it out)"""
import http.client, json, os, re, statistics, sys, time, collections

demo, reads_dir = sys.argv[1], sys.argv[2]
GATE = "gate-north-1"


def port_of(path):
    return int(re.search(r'listen = "127\.0\.0\.1:(\d+)"', open(path).read()).group(1))


hub_port = port_of(os.path.join(demo, "hub.toml"))
gate_port = port_of(os.path.join(demo, f"{GATE}.toml"))
admin_token = open(os.path.join(demo, "admin.token")).read().strip()
gate_token = open(os.path.join(demo, f"{GATE}.device-token")).read().strip()
MALL = re.search(r'mall = "([^"]+)"', open(os.path.join(demo, f"{GATE}.toml")).read()).group(1)


def call(connection, token, method, path, body=None):
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    text = response.read()
    return response.status, json.loads(text) if text.strip()[:1] in (b"{", b"[") else {}


hub = http.client.HTTPConnection("127.0.0.1", hub_port, timeout=30)
gate = http.client.HTTPConnection("127.0.0.1", gate_port, timeout=30)
books = collections.defaultdict(list)
for name in os.listdir(reads_dir):
    if m := re.match(r"book-(\d+)-(\d+)\.txt$", name):
        books[int(m.group(1))].append(int(m.group(2)))
if not books:
    sys.exit(f"no book-N-K.txt in {reads_dir}: write them with plate-quality --emit {reads_dir}")
now = int(time.time() * 1000)


def write_rows(writes, decision):
    for start in range(0, len(writes), 200):
        status, answer = call(hub, admin_token, "POST", "/v1/admin/rows",
                              {"mall": MALL, "decision": decision, "writes": writes[start:start + 200]})
        if status >= 300:
            sys.exit(f"hub refused {decision}: {status} {answer}")


def wait_until_gate_holds(key, status):
    deadline = time.time() + 120
    while True:
        code, row = call(gate, gate_token, "GET", f"/v1/rows/reservations/{key}")
        if code == 200 and row.get("columns", {}).get("status") == status:
            return
        if time.time() > deadline:
            sys.exit(f"{GATE} never held reservation {key} as {status}")
        time.sleep(0.2)


for size in sorted(books):
    counts = collections.defaultdict(collections.Counter)
    times = []
    for book in sorted(books[size]):
        plates = [line.strip() for line in open(os.path.join(reads_dir, f"book-{size}-{book}.txt")) if line.strip()]
        prefix = f"pq-{size}-{book}"
        keys = [f"r-{prefix}-{i}" for i in range(len(plates))]
        write_rows([{"table": "members", "key": f"m-{prefix}-{i}", "op": "insert",
                     "columns": {"name": f"Plate Quality {prefix}-{i}", "tier": "gold", "card_no": f"PQ-{prefix}-{i}",
                                 "guests_allowed": 1}} for i in range(len(plates))], "plate-quality.seed")
        write_rows([{"table": "reservations", "key": key, "op": "insert",
                     "columns": {"member_id": f"m-{prefix}-{i}", "plate": plate, "zone": "PQ",
                                 "window_start": now - 3_600_000, "window_end": now + 86_400_000,
                                 "status": "booked"}} for i, (key, plate) in enumerate(zip(keys, plates))],
                   "plate-quality.seed")
        wait_until_gate_holds(keys[-1], "booked")

        for line in open(os.path.join(reads_dir, f"reads-{size}-{book}.jsonl")):
            case = json.loads(line)
            body = dict(case["read"], lane="north-in", direction="in")
            started = time.perf_counter()
            status, answer = call(gate, gate_token, "POST", "/v1/gate/reads", body)
            times.append(time.perf_counter() - started)
            if status != 201:
                sys.exit(f"HTTP {status} for {body}: {answer}")
            matched = (answer.get("match") or {}).get("plate")
            tally = counts[case["evidence"]]
            tally[case["kind"]] += 1
            if matched is None:
                continue
            if case["kind"] == "misread":
                tally["misread right" if matched == case["expect"] else "misread wrong"] += 1
            else:
                tally[f"{case['kind']} matched"] += 1

        # The next book is read against these reservations no more.
        write_rows([{"table": "reservations", "key": key, "op": "update", "columns": {"status": "cancelled"}}
                    for key in keys], "plate-quality.cancel")
        wait_until_gate_holds(keys[-1], "cancelled")

    def rate(count, total):
        return f"{count / max(total, 1) * 100:.3f} % ({count} / {total})"

    print(f"\n{size} active reservations through {GATE}'s API ({len(books[size])} books, each cancelled after its "
          f"reads); answer time median {statistics.median(times) * 1000:.2f} ms")
    print("| evidence | random stranger matched | neighbour matched (decoy listed) | misread matched to its reservation | matched to a wrong reservation |")
    print("|---|---|---|---|---|")
    for evidence, tally in counts.items():
        print(f"| {evidence} | {rate(tally['stranger matched'], tally['stranger'])} | "
              f"{rate(tally['neighbour matched'], tally['neighbour'])} | "
              f"{rate(tally['misread right'], tally['misread'])} | {tally['misread wrong']} |", flush=True)
