#!/usr/bin/env bash
# Builds the package-benchmark suite (Benchmarks/) and runs every benchmark
# once, as CI does so that the suite cannot rot: exits 1 unless each
# benchmark the suite lists printed its figures. The figures themselves are
# not checked (tests never assert timings); BENCHMARKS.md records a run.
set -euo pipefail
"$(dirname "$0")/install-deps.sh"
cd "$(dirname "$0")/../../Benchmarks"
log=$(mktemp "${TMPDIR:-/tmp}/malledge-benchmarks.XXXXXX")
trap 'rm -f "$log"' EXIT
swift package --disable-sandbox benchmark list >"$log" 2>&1 || { cat "$log"; exit 1; }
listed=$(grep -c ' · ' "$log" || true)
swift package --disable-sandbox benchmark --no-progress >"$log" 2>&1 || { cat "$log"; exit 1; }
sed -n '/^Running Benchmarks/,$p' "$log"
printed=$(grep -c 'Time (wall clock)' "$log" || true)
if [ "$listed" -eq 0 ] || [ "$printed" -ne "$listed" ]; then
  cat "$log"
  echo "benchmarks: $printed of $listed printed their figures" >&2
  exit 1
fi
echo "benchmarks: all $listed ran and printed their figures"
