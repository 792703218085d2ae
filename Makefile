# MallEdge: the two commands a new machine needs are `make demo` and `make test`.
# Both install what is missing (Debian packages) and build first.

SIM_SEEDS ?= 1..200
SIM_NODES ?= 6
# Seeds the test suite's simulation runs (in release mode, every fault kind on).
TEST_SEEDS ?= 1..500
# Seeds run again with a stolen gate among the nodes (mall-sim --hostile).
HOSTILE_SEEDS ?= 1..200
# Seeds run with the made-up library schema (mall-sim --workload library):
# the same engines and checks on tables, roles and channels that are not the mall's.
LIBRARY_SEEDS ?= 1..300
# Seconds of libFuzzer per parser in the test run (the long mode gives each 600).
FUZZ_SECONDS ?= 20
# Schemathesis examples per operation of the node API in the test run.
API_FUZZ_EXAMPLES ?= 30
# Fault events of the campaign over the real processes (the long mode runs 500).
CAMPAIGN_FAULTS ?= 100
CAMPAIGN_SEED ?= 1
# Simulated days of the soak (each with SOAK_DAY_MINUTES of faulty activity):
# what every replica holds must level off once retention has come round.
SOAK_DAYS ?= 150
SOAK_DAY_MINUTES ?= 3
# A new gate bootstrapping a parking channel of this many rows, with the real
# processes (deploy/scripts/measure-bootstrap.sh), on the binaries in
# BOOTSTRAP_BIN (empty: the script builds release ones; the long mode runs
# 1,000,000 rows that way).
BOOTSTRAP_ROWS ?= 20000
BOOTSTRAP_BIN ?= .build/debug
# Then that gate goes away while the hub logs this many changes, and catches up.
CATCH_UP_CHANGES ?= 10000

.PHONY: deps build release test unit-tests sim-tests demo sim fuzz campaign bootstrap catch-up benchmarks lint clean

deps:
	@deploy/scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release --product mall-sim

# Every test: unit, property, contract, storage, fleet and hostile-device
# tests, then the deterministic simulation over $(TEST_SEEDS) in both modes
# and a soak of $(SOAK_DAYS) days, then $(FUZZ_SECONDS) s of libFuzzer on each parser that takes outside bytes,
# then schemathesis against the node API of a gate, a lounge desk and a counter,
# then the fault campaign: $(CAMPAIGN_FAULTS) faults on the real processes,
# then a new gate bootstrapping $(BOOTSTRAP_ROWS) rows from a real hub, restarting, and
# catching up $(CATCH_UP_CHANGES) changes logged while it was away.
test: deps lint
	swift build --build-tests
	swift test --skip-build
	swift build -c release --product mall-sim
	.build/release/mall-sim --seeds $(TEST_SEEDS) --nodes $(SIM_NODES) --mode both --determinism-every 25
	.build/release/mall-sim --seeds $(HOSTILE_SEEDS) --nodes $(SIM_NODES) --mode both --hostile
	.build/release/mall-sim --seeds $(LIBRARY_SEEDS) --nodes $(SIM_NODES) --mode both --workload library
	.build/release/mall-sim --seeds 1 --nodes $(SIM_NODES) --mode soak --soak-days $(SOAK_DAYS) \
		--day-minutes $(SOAK_DAY_MINUTES)
	FUZZ_SECONDS=$(FUZZ_SECONDS) deploy/scripts/fuzz.sh
	API_FUZZ_EXAMPLES=$(API_FUZZ_EXAMPLES) deploy/scripts/api-fuzz.sh
	deploy/scripts/fault-campaign.py --bin .build/debug --faults $(CAMPAIGN_FAULTS) --seed $(CAMPAIGN_SEED)
	BOOTSTRAP_ROWS=$(BOOTSTRAP_ROWS) BOOTSTRAP_BIN=$(BOOTSTRAP_BIN) CATCH_UP_CHANGES=$(CATCH_UP_CHANGES) \
		deploy/scripts/measure-bootstrap.sh

# A new gate joining a parking channel of 1,000,000 rows with default settings,
# on release binaries: progress, the hub's memory, the time beside a raw SQLite
# bulk insert of the same rows, and the digests compared (README, Performance).
bootstrap: deps
	BOOTSTRAP_ROWS=$${BOOTSTRAP_ROWS:-1000000} deploy/scripts/measure-bootstrap.sh

# A gate away while the hub logs 100,000 changes catches up, on release
# binaries with the real processes: the time from its restart, its progress,
# the CPU of hub and node, beside a raw SQLite bulk insert of the same rows.
catch-up: deps
	BOOTSTRAP_ROWS=1000 CATCH_UP_CHANGES=$${CATCH_UP_CHANGES:-100000} deploy/scripts/measure-bootstrap.sh

# The benchmark suite (Benchmarks/, on package-benchmark): each MallEdge figure
# beside its baseline, measured in the same run, with CPU, allocations and
# memory. BENCHMARK_ARGS passes options, such as `--filter 'decide.*'` or
# `baseline update` then `baseline compare` (BENCHMARKS.md).
benchmarks: deps
	cd Benchmarks && swift package --disable-sandbox benchmark $(BENCHMARK_ARGS)

# Seeded faults on a real fleet (broker, hub, four nodes behind fault proxies)
# under real decisions; lost 0, doubled 0, converged, no process died on its own.
campaign: deps
	swift build
	deploy/scripts/fault-campaign.py --bin .build/debug --faults $(CAMPAIGN_FAULTS) --seed $(CAMPAIGN_SEED)

# The parsers under libFuzzer: FUZZ_SECONDS per target (deploy/scripts/fuzz.sh).
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) deploy/scripts/fuzz.sh

# The main job: a demo fleet on this machine (broker, hub, two gates, a lounge
# desk, a gift counter) with a short stream of activity. Ctrl-C stops it.
demo:
	deploy/scripts/demo.sh

# Seeded simulated mall days on the real sync engine, under faults, with every
# invariant checked.
sim: release
	.build/release/mall-sim --seeds $(SIM_SEEDS) --nodes $(SIM_NODES) --mode both

lint:
	swift format lint --recursive --strict Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Benchmarks

clean:
	rm -rf .build
