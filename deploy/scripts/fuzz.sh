#!/usr/bin/env bash
# Fuzzes the parsers that take bytes from outside with libFuzzer (`mall-fuzz`):
# the wire decoder (wire), the gift-code parser and verifier (gift), the plate
# normaliser (plate), the node and hub configuration loaders (config), the
# rules on any value a replicated row may hold (rules) and the mapping of any
# replicated row into the books the decisions read (views).
#   FUZZ_SECONDS=N   seconds per target (default 20; the long mode uses 600)
#   FUZZ_TARGETS=... the targets to run (default: all six)
# The corpora start from what the project ships: the protocol vectors, the gift
# code vectors, the real CCPD plates in ../shared/data, the firmware configs.
# Prints each target's executions and coverage; a finding (a trap or a
# sanitizer report) keeps its input under .build-fuzz/findings and fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-wire gift plate config rules views}
scratch=.build-fuzz
work="$scratch/corpus"
findings="$scratch/findings"
mkdir -p "$work" "$findings"

echo "building mall-fuzz with libFuzzer (release, --sanitize=fuzzer)…"
swift build -c release --sanitize=fuzzer -Xswiftc -DFUZZING --product mall-fuzz --scratch-path "$scratch" \
  >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log"; exit 1; }
bin="$(swift build -c release --sanitize=fuzzer --scratch-path "$scratch" --show-bin-path)/mall-fuzz"

# Seeds, rebuilt each run from the repository's own files.
python3 - "$work" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
def put(target, name, data):
    os.makedirs(f"{work}/seed-{target}", exist_ok=True)
    with open(f"{work}/seed-{target}/{name}", "wb") as f:
        f.write(data)
for path in sorted(glob.glob("sync-protocol/vectors/*/*.json")):
    vector = json.load(open(path, encoding="utf-8"))
    text = vector.get("payloadText")
    if text is None and "payload" in vector:
        text = json.dumps(vector["payload"], ensure_ascii=False)
    if isinstance(text, str):
        put("wire", os.path.basename(path), text.encode("utf-8", "surrogatepass"))
for index, line in enumerate(l for l in open("sync-protocol/GIFT-TOKENS.md", encoding="utf-8") if l.startswith("MG")):
    put("gift", f"vector-{index}", line.strip().encode())
plates = "../shared/data/plates/ccpd-plates.txt"
if os.path.exists(plates):
    for index, line in enumerate(open(plates, encoding="utf-8")):
        if index % 500 == 0:
            put("plate", f"ccpd-{index}", line.strip().encode())
for text in ["沪A·12345", "粤Z1234港", "京AD12345", "皖A1234学"]:
    put("plate", f"format-{len(text)}-{hash(text) & 0xffff}", text.encode())
for path in sorted(glob.glob("firmware-config/*.toml")):
    put("config", os.path.basename(path), open(path, "rb").read())
# Rules: all zeros, all ones, and the Int64 edges in every slot.
put("rules", "zeros", bytes(96))
put("rules", "ones", bytes([0xFF]) * 96)
put("rules", "edges", (bytes([0x80]) + bytes(7) + bytes([0x7F]) + bytes([0xFF]) * 7) * 6)
put("views", "zeros", bytes(128))
put("views", "ones", bytes([0xFF]) * 128)
put("views", "counting", bytes(range(256)))
PY

status=0
for target in $targets; do
  mkdir -p "$work/$target"
  log="$scratch/$target.log"
  if MALLEDGE_FUZZ=$target SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$findings/$target-" -timeout=10 -rss_limit_mb=2048 "$work/$target" "$work/seed-$target" \
    >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "$work/$target" -type f | wc -l)
    echo "fuzz $target: ${runs:-0} executions in ${seconds}s, coverage ${coverage:-0} edges, corpus $corpus inputs, 0 findings"
  else
    echo "fuzz $target: FINDING (input kept in $findings; log $log)"
    grep -E 'ERROR|Fatal error|SUMMARY|precondition' "$log" | head -5 || true
    status=1
  fi
done
exit $status
