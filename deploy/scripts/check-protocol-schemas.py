#!/usr/bin/env python3
"""Validates sync-protocol messages against the published JSON schemas
(sync-protocol/schemas/, draft 2020-12), as an implementation written from
the spec alone would: every valid vector in sync-protocol/vectors/valid/,
and every message in the files of the given directories (JSON lines of
{"type", "payload"}: real traffic a test captured).
Exits 1 naming each message the schemas refuse, with the schema's reason.
Installs the jsonschema package with pip when it is missing.
Usage: check-protocol-schemas.py [MESSAGES_DIR ...]"""
import glob, json, os, subprocess, sys

try:
    import jsonschema, referencing
except ImportError:
    install = [sys.executable, "-m", "pip", "install", "-q", "jsonschema>=4.18"]
    if subprocess.run(install).returncode != 0:
        subprocess.run(install + ["--break-system-packages"])
    import jsonschema, referencing

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../sync-protocol")
schemas = {os.path.basename(path): json.load(open(path)) for path in glob.glob(os.path.join(root, "schemas/*.json"))}
registry = referencing.Registry().with_resources(
    (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas.values())
validators = {name.removesuffix(".schema.json"): jsonschema.Draft202012Validator(schema, registry=registry)
              for name, schema in schemas.items() if name != "common.schema.json"}


def messages():
    for path in sorted(glob.glob(os.path.join(root, "vectors/valid/*.json"))):
        vector = json.load(open(path))
        if "payload" in vector:
            yield os.path.relpath(path, root), vector["expect"]["type"], vector["payload"]
    for directory in sys.argv[1:]:
        for path in sorted(glob.glob(os.path.join(directory, "*"))):
            if not os.path.isfile(path):
                continue
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                if line.strip():
                    try:
                        message = json.loads(line)
                        yield f"{path}:{number}", message["type"], message["payload"]
                    except (ValueError, KeyError, TypeError) as error:
                        yield f"{path}:{number}", None, f"not a JSON line of type and payload: {error}"


checked, refused = 0, 0
for name, kind, payload in messages():
    checked += 1
    if kind is None:
        refused += 1
        print(f"{name}: {payload}")
        continue
    validator = validators.get(kind)
    if validator is None:
        refused += 1
        print(f"{name}: no schema for message type {kind}")
        continue
    error = jsonschema.exceptions.best_match(validator.iter_errors(payload))
    if error is not None:
        refused += 1
        print(f"{name} ({kind}): {error.message[:300]} at {'/'.join(map(str, error.absolute_path))}")
print(f"{checked} messages checked against the published schemas, {refused} refused")
sys.exit(1 if refused else 0)
