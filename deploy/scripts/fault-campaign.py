#!/usr/bin/env python3
"""A fault campaign over the real processes: what an operator's worst week does to a fleet.

A Mosquitto broker, the hub, two gates, a gift counter and a lounge desk run
as the real binaries; each node reaches the broker through a TCP fault proxy
of this script's own. A stream of real decisions goes through the nodes'
APIs (reserved cars in and out at both gates, the same car at both gates now
and then, gift codes scanned once and twice, lounge visits, staff logins)
while seeded random faults hit every part:

  node-kill      kill -9 of a node, restarted 0.3-3 s later
  hub-kill       kill -9 of the hub, restarted 0.5-4 s later
  broker-kill    kill -9 of the broker (its persistence loses what it had
                 acknowledged since its last save), restarted 0.3-3 s later
  net-blackhole  a node's link carries nothing either way for 2-8 s
  net-upstream   only the node's own packets are lost, 2-8 s
  net-cut        the node's connections are closed and refused, 2-8 s
  net-delay      every packet of the node's link waits 2 s, for 2-8 s
  clock-shift    a node restarted with its clock 10 minutes ahead or behind
  stop           SIGSTOP of a node, the hub or the broker for twice the MQTT
                 keepalive, then SIGCONT
  twin           a second process started with a node's identity (its own
                 files), run for 3-6 s, then killed
  disk-full      every write to a node's or the hub's SQLite files fails
                 with ENOSPC for 2-8 s (deploy/fault-shim/full-disk.c,
                 preloaded; built here with the C compiler at hand)

Then every fault ends and the fleet must converge. The history is read as a
black box from the nodes' decision lines (`decision {json}`, written after
the durable commit and before the device is told) and from the hub's store:
every row a decision inserted is in the hub's log exactly once (lost 0,
doubled 0), every replica's digest equals the hub's, and no process died on
its own. Exit status 0 only if all of that holds.

    fault-campaign.py --bin .build/debug [--faults 100] [--seed 1] [--dir DIR]

Only the standard library; `mosquitto` must be installed
(deploy/scripts/install-deps.sh), and a C compiler for the full disk (the
Swift toolchain's clang will do).
"""
import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MALL = "mall-campaign"
KEEPALIVE = 5
NODES = {"gate-1": "gate", "gate-2": "gate", "gift-1": "gift", "lounge-1": "lounge"}
# Debian installs the broker in /usr/sbin, which a user's PATH may leave out.
MOSQUITTO = next((path for path in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"] if os.path.exists(path)),
                 shutil.which("mosquitto") or "mosquitto")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FaultProxy:
    """A TCP proxy between one node and the broker whose link can be broken on demand."""

    def __init__(self, loop, upstream_port):
        self.loop = loop
        self.upstream_port = upstream_port
        self.port = free_port()
        self.mode = "pass"
        self.links = set()
        asyncio.run_coroutine_threadsafe(self._serve(), loop).result()

    async def _serve(self):
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def set(self, mode):
        self.mode = mode
        if mode == "cut":
            self.loop.call_soon_threadsafe(self._close_all)

    def _close_all(self):
        for writer in list(self.links):
            writer.close()
        self.links.clear()

    async def _accept(self, reader, writer):
        if self.mode == "cut":
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        self.links.update([writer, up_writer])
        await asyncio.gather(self._pump(reader, up_writer, upstream=True), self._pump(up_reader, writer, upstream=False))
        self.links.discard(writer)
        self.links.discard(up_writer)

    async def _pump(self, reader, writer, upstream):
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.mode == "blackhole" or (self.mode == "upstream" and upstream):
                    continue
                if self.mode == "delay":
                    await asyncio.sleep(2)
                writer.write(chunk)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


class Campaign:
    def __init__(self, binaries, directory, seed):
        self.bin = binaries
        self.dir = directory
        self.random = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.processes = {}
        self.expected_exit = set()
        self.unexpected_exits = []
        self.faults = {}
        self.outcomes = {}
        self.lock = threading.Lock()
        self.broker_port = free_port()
        self.hub_port = free_port()
        self.api = {node: free_port() for node in NODES}
        self.proxies = {}
        self.admin_token = "campaign-admin-token"
        self.shim = self.build_full_disk_shim()

    def build_full_disk_shim(self):
        """The preloaded library that fills a process's disk on demand, or None without a compiler."""
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fault-shim/full-disk.c")
        swift = shutil.which("swift")
        compilers = [shutil.which("cc"), shutil.which("clang"), shutil.which("gcc"),
                     swift and os.path.join(os.path.dirname(os.path.realpath(swift)), "clang")]
        for compiler in [c for c in compilers if c and os.path.exists(c)]:
            output = f"{self.dir}/full-disk.so"
            if subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", output, source, "-ldl"],
                              capture_output=True).returncode == 0:
                return output
        print("no C compiler: the disk-full fault is left out", file=sys.stderr)
        return None

    # Processes

    def write_configs(self):
        os.makedirs(f"{self.dir}/broker", exist_ok=True)
        broker = [
            "per_listener_settings false", f"listener {self.broker_port} 127.0.0.1", "allow_anonymous true",
            "persistence true", f"persistence_location {self.dir}/broker/", "autosave_interval 5",
            "max_queued_messages 1000", "max_inflight_messages 500", "set_tcp_nodelay true",
        ] + (["user root"] if os.getuid() == 0 else [])
        open(f"{self.dir}/broker/mosquitto.conf", "w").write("\n".join(broker) + "\n")
        open(f"{self.dir}/admin.token", "w").write(self.admin_token)
        hub = (f'[hub]\ndata_dir = "{self.dir}/hub"\n[http]\nlisten = "127.0.0.1:{self.hub_port}"\n'
               f'admin_token_file = "{self.dir}/admin.token"\n[mqtt]\nport = {self.broker_port}\n'
               f'keepalive_seconds = {KEEPALIVE}\n[sync]\nstatus_interval_ms = 500\n')
        for node, role in NODES.items():
            hub += f'[[nodes]]\nid = "{node}"\nmall = "{MALL}"\nrole = "{role}"\n'
            open(f"{self.dir}/{node}.device-token", "w").write(f"campaign-device-{node}")
        open(f"{self.dir}/hub.toml", "w").write(hub)

    def node_config(self, node, data_dir, api_port):
        path = f"{data_dir}.toml"
        open(path, "w").write(
            f'[node]\nid = "{node}"\nmall = "{MALL}"\nrole = "{NODES[node]}"\ndata_dir = "{data_dir}"\n'
            f'[api]\nlisten = "127.0.0.1:{api_port}"\ndevice_token_file = "{self.dir}/{node}.device-token"\n'
            f'[mqtt]\nport = {self.proxies[node].port}\nkeepalive_seconds = {KEEPALIVE}\n'
            f'[sync]\nack_timeout_ms = 1000\ncatch_up_delay_ms = 200\nrequest_timeout_ms = 1000\nheartbeat_ms = 500\n')
        return path

    def start(self, name, clock_offset=0):
        log = open(f"{self.dir}/{name}.log", "a")
        environment = dict(os.environ)
        if self.shim and name != "broker":
            environment["LD_PRELOAD"] = self.shim
            environment["MALLEDGE_FULL_DISK"] = f"{self.dir}/{name}.full"
        if name == "broker":
            command = [MOSQUITTO, "-c", f"{self.dir}/broker/mosquitto.conf"]
        elif name == "hub":
            command = [f"{self.bin}/mall-hub", "run", "--config", f"{self.dir}/hub.toml"]
        else:
            command = [f"{self.bin}/mall-node", "run", "--config", self.node_config(name, f"{self.dir}/{name}",
                                                                                  self.api[name])]
            environment["MALLEDGE_CLOCK_OFFSET_MS"] = str(clock_offset)
        self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        if name == "broker":
            self.wait_port(self.broker_port)
        else:
            self.wait_http(self.hub_port if name == "hub" else self.api[name])

    def stop(self, name, how=signal.SIGKILL):
        process = self.processes.get(name)
        if process is None:
            return
        self.expected_exit.add(process.pid)
        process.send_signal(how)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.processes[name] = None

    def check_exits(self):
        for name, process in self.processes.items():
            if process is not None and process.poll() is not None and process.pid not in self.expected_exit:
                self.unexpected_exits.append(f"{name} exited with {process.returncode}")
                self.processes[name] = None
                self.start(name)

    def wait_port(self, port):
        for _ in range(400):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.025)
        raise RuntimeError(f"nothing listens on {port}")

    def wait_http(self, port):
        for _ in range(600):
            if self.call(port, "GET", "/v1/health")[0] == 200:
                return
            time.sleep(0.05)
        raise RuntimeError(f"nothing answers on {port}; see the logs in {self.dir}")

    # HTTP

    def call(self, port, method, path, body=None, token=None, timeout=5):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
                return response.status, json.loads(text) if text[:1] in (b"{", b"[") else {}
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {}
        except (OSError, ValueError):
            return 0, {}

    def node(self, name, method, path, body=None, token=None):
        return self.call(self.api[name], method, path, body, token or f"campaign-device-{name}")

    def hub(self, method, path, body):
        status, answer = self.call(self.hub_port, method, path, body, self.admin_token, timeout=30)
        if status >= 300 or status == 0:
            raise RuntimeError(f"hub refused {method} {path}: {status} {answer}")
        return answer

    # The mall's day

    def seed(self):
        now = int(time.time() * 1000)
        self.plates = [f"沪A{index:05d}" for index in range(400)]
        members = [{"table": "members", "key": f"m-{index:03}", "op": "insert", "columns": {
            "name": f"Member {index}", "tier": "gold", "card_no": f"C-{index:03}", "guests_allowed": 2}}
            for index in range(40)]
        reservations = [{"table": "reservations", "key": f"r-{index:03}", "op": "insert", "columns": {
            "member_id": f"m-{index % 40:03}", "plate": plate, "zone": "B2", "window_start": now - 1_800_000,
            "window_end": now + 8 * 3_600_000, "status": "booked"}} for index, plate in enumerate(self.plates)]
        self.hub("POST", "/v1/admin/rows", {"mall": MALL, "decision": "campaign.seed", "writes": members})
        for start in range(0, len(reservations), 100):
            self.hub("POST", "/v1/admin/rows",
                     {"mall": MALL, "decision": "campaign.seed", "writes": reservations[start:start + 100]})
        self.hub("PUT", "/v1/admin/staff/s-desk",
                 {"mall": MALL, "name": "Desk", "roles": ["lounge-staff", "gift-staff"], "pin": "246813"})
        self.codes = [self.hub("POST", "/v1/admin/gift-codes",
                               {"mall": MALL, "member": f"m-{index % 40:03}", "gift": "tea-set", "validDays": 3})["text"]
                      for index in range(150)]
        deadline = time.time() + 60
        while time.time() < deadline:
            if all(self.node(node, "GET", "/v1/rows/staff/s-desk")[0] == 200 for node in ["gift-1", "lounge-1"]) \
                    and self.node("gate-2", "GET", "/v1/rows/reservations/r-399")[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError("the seed did not reach the nodes")

    def count(self, outcome):
        with self.lock:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def activity(self, stop):
        """Real decisions until `stop` is set; what a node did not answer is simply not acknowledged."""
        rng = random.Random(self.random.random())
        sessions = {}
        step = 0
        while not stop.is_set():
            step += 1
            plate = self.plates[step % len(self.plates)]
            gate = "gate-1" if step % 2 else "gate-2"
            status, answer = self.node(gate, "POST", "/v1/gate/reads",
                                       {"lane": "in", "direction": "in", "plate": plate, "confidence": 0.96})
            self.count(f"gate read {status} {answer.get('decision', '')}")
            if step % 9 == 0:
                # The same car at the other gate: a clone, or a double entry made offline.
                other = "gate-2" if gate == "gate-1" else "gate-1"
                status, answer = self.node(other, "POST", "/v1/gate/reads",
                                           {"lane": "in", "direction": "in", "plate": plate, "confidence": 0.96})
                self.count(f"gate read {status} {answer.get('decision', '')}")
            if step % 3 == 0:
                status, answer = self.node(gate, "POST", "/v1/gate/reads",
                                           {"lane": "out", "direction": "out", "plate": plate, "confidence": 0.95})
                self.count(f"gate exit {status} {answer.get('decision', '')}")
            for desk in ["gift-1", "lounge-1"]:
                if desk not in sessions or step % 40 == 0:
                    status, answer = self.node(desk, "POST", "/v1/staff/sessions",
                                               {"staffId": "s-desk", "pin": "246813"}, token="-")
                    self.count(f"login {status}")
                    if answer.get("token"):
                        sessions[desk] = answer["token"]
            code = self.codes[rng.randrange(len(self.codes))]
            status, answer = self.node("gift-1", "POST", "/v1/gifts/redemptions", {"code": code},
                                       sessions.get("gift-1"))
            self.count(f"gift {status} {answer.get('outcome', '')}")
            card = f"C-{rng.randrange(40):03}"
            path = "/v1/lounge/check-outs" if step % 3 == 0 else "/v1/lounge/check-ins"
            body = {"member": card} if step % 3 == 0 else {"member": card, "guests": rng.randrange(3)}
            status, answer = self.node("lounge-1", "POST", path, body, sessions.get("lounge-1"))
            self.count(f"lounge {path.rsplit('/', 1)[1]} {status}")
            time.sleep(0.02)

    # Faults

    def inject(self):
        kinds = ["node-kill", "node-kill", "hub-kill", "broker-kill", "net-blackhole", "net-upstream", "net-cut",
                 "net-delay", "clock-shift", "stop", "twin"] + (["disk-full", "disk-full"] if self.shim else [])
        kind = self.random.choice(kinds)
        self.faults[kind] = self.faults.get(kind, 0) + 1
        node = self.random.choice(sorted(NODES))
        if kind == "node-kill":
            self.stop(node)
            time.sleep(self.random.uniform(0.3, 3))
            self.start(node)
        elif kind == "hub-kill":
            self.stop("hub")
            time.sleep(self.random.uniform(0.5, 4))
            self.start("hub")
        elif kind == "broker-kill":
            self.stop("broker")
            time.sleep(self.random.uniform(0.3, 3))
            self.start("broker")
        elif kind.startswith("net-"):
            self.proxies[node].set(kind[4:])
            time.sleep(self.random.uniform(2, 8))
            self.proxies[node].set("pass")
        elif kind == "clock-shift":
            self.stop(node, signal.SIGTERM)
            self.start(node, clock_offset=self.random.choice([-600_000, 600_000]))
        elif kind == "stop":
            target = self.random.choice([node, "hub", "broker"])
            process = self.processes[target]
            process.send_signal(signal.SIGSTOP)
            time.sleep(2 * KEEPALIVE)
            process.send_signal(signal.SIGCONT)
        elif kind == "disk-full":
            target = self.random.choice([node, node, "hub"])
            flag = f"{self.dir}/{target}.full"
            open(flag, "w").close()
            time.sleep(self.random.uniform(2, 8))
            os.remove(flag)
        elif kind == "twin":
            twin_dir = f"{self.dir}/{node}-twin"
            config = self.node_config(node, twin_dir, free_port())
            log = open(f"{self.dir}/{node}-twin.log", "a")
            twin = subprocess.Popen([f"{self.bin}/mall-node", "run", "--config", config], stdout=log,
                                    stderr=subprocess.STDOUT)
            time.sleep(self.random.uniform(3, 6))
            twin.kill()
            twin.wait()
            shutil.rmtree(twin_dir, ignore_errors=True)
        self.check_exits()

    def heal(self):
        for proxy in self.proxies.values():
            proxy.set("pass")
        for name in ["hub", *NODES]:
            if os.path.exists(f"{self.dir}/{name}.full"):
                os.remove(f"{self.dir}/{name}.full")
        for name in ["broker", "hub", *NODES]:
            if self.processes.get(name) is None:
                self.start(name)
            else:
                self.processes[name].send_signal(signal.SIGCONT)
        # Clocks back to true time: a node restarted gracefully on its own files.
        for node in NODES:
            self.stop(node, signal.SIGTERM)
            self.start(node)

    # The black box

    def digests(self, executable, config):
        result = subprocess.run([f"{self.bin}/{executable}", "digest", "--config", config], capture_output=True,
                                text=True, timeout=60)
        return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)

    def converged(self, seconds):
        started = time.time()
        while time.time() - started < seconds:
            hub = self.digests("mall-hub", f"{self.dir}/hub.toml")
            same = all(hub.get(channel) == digest
                       for node in NODES
                       for channel, digest in self.digests("mall-node", f"{self.dir}/{node}.toml").items())
            outboxes = [self.node(node, "GET", "/v1/sync")[1].get("outboxDepth", 1) for node in NODES]
            if same and hub and not any(outboxes):
                return time.time() - started
            time.sleep(0.5)
        return None

    def decided_inserts(self):
        inserts = []
        for node in NODES:
            for line in open(f"{self.dir}/{node}.log", errors="replace"):
                start = line.find("decision {")
                if start < 0:
                    continue
                try:
                    decision = json.loads(line[start + len("decision "):])
                except ValueError:
                    continue
                inserts += [(change["table"], change["key"]) for change in decision["changes"]
                            if change["op"] == "insert"]
        return inserts

    def hub_inserts(self):
        database = sqlite3.connect(f"file:{self.dir}/hub/hub.sqlite?mode=ro", uri=True)
        counts = {}
        for table, key, change in database.execute("SELECT table_name, key, change FROM log WHERE change IS NOT NULL"):
            if stored_change_op(change) == "insert":
                counts[(table, key)] = counts.get((table, key), 0) + 1
        database.close()
        return counts


def stored_change_op(blob):
    """The operation of a change as the hub's log stores it (SPEC §12.5: the
    version byte 1, then text origin, varints epoch, seq, wall, counter,
    texts table, key, channel, then the operation's byte)."""
    if blob[0] != 1:
        raise ValueError(f"stored change version {blob[0]}")
    offset = 1

    def varint():
        nonlocal offset
        value, shift = 0, 0
        while True:
            byte = blob[offset]
            offset += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    def skip_text():
        nonlocal offset
        length = varint()
        offset += length

    skip_text()
    for _ in range(4):
        varint()
    for _ in range(3):
        skip_text()
    return {0: "insert", 1: "update", 2: "delete"}[blob[offset]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="directory holding mall-hub and mall-node")
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", help="where the fleet's files and logs go (a fresh temporary one if omitted)")
    arguments = parser.parse_args()
    directory = arguments.dir or tempfile.mkdtemp(prefix="malledge-campaign-")
    os.makedirs(directory, exist_ok=True)
    campaign = Campaign(os.path.abspath(arguments.bin), directory, arguments.seed)
    started = time.time()
    try:
        campaign.write_configs()
        campaign.start("broker")
        for node in NODES:
            campaign.proxies[node] = FaultProxy(campaign.loop, campaign.broker_port)
        campaign.start("hub")
        for node in NODES:
            campaign.start(node)
        campaign.seed()
        stop = threading.Event()
        load = threading.Thread(target=campaign.activity, args=(stop,), daemon=True)
        load.start()
        for index in range(arguments.faults):
            campaign.inject()
            time.sleep(campaign.random.uniform(0.1, 0.6))
        stop.set()
        load.join(timeout=60)
        campaign.heal()
        converge = campaign.converged(180)
        campaign.check_exits()
        decided = campaign.decided_inserts()
        campaign.stop("hub", signal.SIGTERM)
        logged = campaign.hub_inserts()
    finally:
        for name in list(campaign.processes):
            campaign.stop(name, signal.SIGTERM)
        for proxy in campaign.proxies.values():
            proxy.set("cut")
    lost = [item for item in decided if logged.get(item, 0) == 0]
    doubled = sorted({item for item in decided if logged.get(item, 0) > 1})
    twice_decided = len(decided) - len(set(decided))
    report = {
        "seed": arguments.seed, "faults": campaign.faults, "faultEvents": sum(campaign.faults.values()),
        "decisionsInserted": len(decided), "lost": len(lost), "doubled": len(doubled),
        "decidedTwice": twice_decided, "convergedAfterHealSeconds": converge,
        "unexpectedExits": campaign.unexpected_exits, "outcomes": campaign.outcomes,
        "seconds": round(time.time() - started, 1), "directory": directory,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = not lost and not doubled and not twice_decided and converge is not None and not campaign.unexpected_exits
    if lost:
        print(f"LOST (first 10): {lost[:10]}", file=sys.stderr)
    if doubled:
        print(f"DOUBLED (first 10): {doubled[:10]}", file=sys.stderr)
    print("fault campaign: " + ("passed" if ok else "FAILED") + f"; files and logs in {directory}")
    if ok and not arguments.dir:
        shutil.rmtree(directory, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
