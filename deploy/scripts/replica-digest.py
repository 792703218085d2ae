#!/usr/bin/env python3
"""The replica digest of SPEC §12.4, written from the spec alone.

Checks digest cases: JSON files of the form of sync-protocol/vectors/digest/
({"floor", "rows" as in a snapshot part, "digest", optionally "rowBytes"}).
Rows are counted without `now` (no event row is left out for its age).

    replica-digest.py FILE_OR_DIRECTORY...

Prints one line per case and exits 1 if any digest differs.
"""
import hashlib
import json
import pathlib
import struct
import sys

HEADER = "malledge-digest/2"


def text(s):
    b = s.encode("utf-8")
    return struct.pack(">I", len(b)) + b


def stamp(st):
    wall, counter = st["hlc"]
    return struct.pack(">QI", wall, counter) + text(st["id"]["origin"])


def value(v):
    if v is None:
        return b"\x00"
    if isinstance(v, bool):
        raise ValueError("a value is null, an integer or a text, never a boolean")
    if isinstance(v, int):
        return b"\x01" + struct.pack(">q", v)
    return b"\x02" + text(v)


def row_bytes(r):
    st = r["state"]
    out = text(r["table"]) + text(r["key"]) + bytes([1 if st.get("inserted") else 0])
    deleted = st.get("deleted")
    out += (b"\x01" + stamp(deleted)) if deleted else b"\x00"
    cells = sorted(st.get("cells", {}).items(), key=lambda cell: cell[0].encode("utf-8"))
    out += struct.pack(">I", len(cells))
    for name, cell in cells:
        out += text(name) + value(cell["value"]) + stamp(cell["stamp"])
    return out


def counted(rows, floor):
    return [r for r in rows if not r["state"].get("deleted") or r["seq"] > floor]


def ordered(rows):
    return sorted(rows, key=lambda r: (r["table"].encode("utf-8"), r["key"].encode("utf-8")))


def digest(rows, floor):
    kept = ordered(counted(rows, floor))
    return hashlib.sha256(text(HEADER) + b"".join(row_bytes(r) for r in kept)).hexdigest()


def check(path):
    try:
        case = json.loads(path.read_text(encoding="utf-8"))
        mine = digest(case["rows"], case["floor"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"{path}: unreadable case: {error}")
        return False
    good = mine == case["digest"]
    expected_rows = case.get("rowBytes")
    if expected_rows is not None:
        got = [row_bytes(r).hex() for r in ordered(counted(case["rows"], case["floor"]))]
        if got != expected_rows:
            first = next((i for i, (a, b) in enumerate(zip(got, expected_rows)) if a != b), min(len(got), len(expected_rows)))
            print(f"{path}: row bytes differ from row {first} on")
            good = False
    print(f"{path.name}: {'ok' if good else 'DIFFERS'} ({len(case['rows'])} rows, floor {case['floor']}, {mine})")
    return good


def main(arguments):
    if not arguments:
        print(__doc__.strip())
        return 2
    files = []
    for argument in arguments:
        path = pathlib.Path(argument)
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        print("no digest cases found")
        return 1
    results = [check(path) for path in files]
    print(f"{sum(results)} of {len(results)} digests reproduced")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
