#!/usr/bin/env python3
"""The stored merge state bytes of SPEC §12.5, written from the spec alone.

Checks the cases of sync-protocol/vectors/merge-state/cases.json: each
valid case's state (as in a snapshot row, §7.2) encodes to its bytes and its
bytes decode to that state; each refused case's bytes do not decode.

    merge-state-bytes.py CASES_JSON

Prints one line per case and exits 1 if any case fails.
"""
import json
import sys


class Refused(Exception):
    pass


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def text(s):
    b = s.encode("utf-8")
    return varint(len(b)) + b


def stamp(st):
    wall, counter = st["hlc"]
    ident = st["id"]
    return varint(wall) + varint(counter) + text(ident["origin"]) + varint(ident["epoch"]) + varint(ident["seq"])


def value(v):
    if v is None:
        return b"\x00"
    if isinstance(v, int):
        return b"\x01" + varint(((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF)
    return b"\x02" + text(v)


def encode(state):
    deleted = state.get("deleted")
    out = bytearray([1, (1 if state.get("inserted") else 0) | (2 if deleted else 0)])
    if deleted:
        out += stamp(deleted)
    cells = sorted(state.get("cells", {}).items(), key=lambda c: c[0].encode("utf-8"))
    out += varint(len(cells))
    for name, cell in cells:
        out += text(name) + value(cell["value"]) + stamp(cell["stamp"])
    return bytes(out)


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def byte(self):
        if self.at >= len(self.data):
            raise Refused("ends early")
        self.at += 1
        return self.data[self.at - 1]

    def varint(self):
        n, shift = 0, 0
        while True:
            b = self.byte()
            if shift > 63 or (shift == 63 and (b & 0x7F) > 1):
                raise Refused("varint beyond 64 bits")
            n |= (b & 0x7F) << shift
            if b & 0x80 == 0:
                if b == 0 and shift > 0:
                    raise Refused("varint longer than it needs")
                return n
            shift += 7

    def text(self):
        length = self.varint()
        if length > len(self.data) - self.at:
            raise Refused("text past the end")
        raw = self.data[self.at:self.at + length]
        self.at += length
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("text is not UTF-8")

    def stamp(self):
        wall, counter = self.varint(), self.varint()
        if counter > 0xFFFFFFFF:
            raise Refused("counter past 32 bits")
        origin = self.text()
        return {"hlc": [wall, counter], "id": {"origin": origin, "epoch": self.varint(), "seq": self.varint()}}

    def value(self):
        tag = self.byte()
        if tag == 0:
            return None
        if tag == 1:
            z = self.varint()
            return (z >> 1) ^ -(z & 1)
        if tag == 2:
            return self.text()
        raise Refused(f"value tag {tag}")


def decode(data):
    r = Reader(data)
    if r.byte() != 1:
        raise Refused("version")
    flags = r.byte()
    if flags & ~3:
        raise Refused("flags")
    state = {"inserted": bool(flags & 1), "cells": {}}
    if flags & 2:
        state["deleted"] = r.stamp()
    previous = None
    for _ in range(r.varint()):
        name = r.text()
        if previous is not None and not previous.encode("utf-8") < name.encode("utf-8"):
            raise Refused("names out of order")
        state["cells"][name] = {"value": r.value(), "stamp": r.stamp()}
        previous = name
    if r.at != len(data):
        raise Refused("bytes left over")
    return state


def normal(state):
    """A state as compared: absent fields as their defaults."""
    out = {"inserted": bool(state.get("inserted")), "cells": state.get("cells", {})}
    if state.get("deleted"):
        out["deleted"] = state["deleted"]
    return out


def main(path):
    cases = json.load(open(path, encoding="utf-8"))
    failures = 0
    for case in cases["valid"]:
        data = bytes.fromhex(case["bytes"])
        ok = encode(case["state"]) == data and decode(data) == normal(case["state"])
        failures += not ok
        print(("ok      " if ok else "FAILED  ") + case["description"])
    for case in cases["refused"]:
        try:
            decode(bytes.fromhex(case["bytes"]))
            ok = False
        except Refused:
            ok = True
        failures += not ok
        print(("refused " if ok else "FAILED  ") + case["description"])
    total = len(cases["valid"]) + len(cases["refused"])
    print(f"{total - failures} of {total} cases reproduced")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
