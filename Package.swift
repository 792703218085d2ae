// swift-tools-version:6.2
import PackageDescription

/// Every target builds in Swift 6 language mode with strict concurrency, and a
/// warning in our own code fails the build (dependencies are not affected).
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The edge node's release binary carries the Swift runtime and Foundation
/// (`-static-stdlib`; the Foundation libraries' own dependencies named,
/// which only a build with `--static-swift-stdlib` would link by itself),
/// linked by lld with packed relative relocations and no exported symbols:
/// an idle gate then loads no Swift shared libraries and relocates far
/// fewer pages at start, 33.6 MiB resident against 42.9 MiB (BENCHMARKS.md,
/// 2026-12-06 morning). A toolchain whose Foundation needs another library
/// fails this link loudly, not the node at run time.
///
/// The functions a gate runs (`deploy/link/mall-node.order`, written by
/// `deploy/scripts/order-hot-code.sh`) are placed at the front of its
/// code: scattered, the pages around them kept 18 MiB of code resident;
/// together, 10.5 MiB (BENCHMARKS.md, 2026-12-06, late morning). A name the
/// list holds that the code no longer has is skipped without a word.
let edgeReleaseLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections", "-lCoreFoundation",
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/deploy/link/mall-node.order",
            "-Xlinker", "--no-warn-symbol-ordering",
        ], .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "MallEdge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mall-sim", targets: ["MallSim"]),
        .executable(name: "mall-node", targets: ["MallNode"]),
        .executable(name: "mall-hub", targets: ["MallHub"]),
        .executable(name: "plate-quality", targets: ["PlateQuality"]),
        .executable(name: "mall-bench", targets: ["MallBench"]),
        .executable(name: "mall-fuzz", targets: ["MallFuzz"]),
        // For the benchmark suite in `Benchmarks/` (its own package, so that
        // package-benchmark and its build plugin stay out of this build).
        .library(
            name: "MallEdgeBenchmarking",
            targets: [
                "BenchmarkSupport", "Services", "MallDomain", "Storage", "SyncCore", "Transport", "MosquittoTransport",
                "BrokerHarness",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // Layer 1: pure core. No I/O, no GRDB, no C: clocks, changes, merge rules,
        // wire messages and the protocol state machines.
        .target(
            name: "SyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Layer 1: the mall's domain, pure (no I/O), one folder per feature:
        // each feature's tables (its part of the schema the core is given),
        // its rules, and the books its decisions read, built from replicated
        // rows (mapping a row never traps; fuzzed by mall-fuzz views).
        .target(
            name: "MallDomain",
            dependencies: [
                "SyncCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Layer 2: the SQLite replica and hub store (GRDB over the system libsqlite3).
        .target(
            name: "Storage",
            dependencies: [
                "SyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The WAL's file, synced through SQLite's VFS (`GroupCommit`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Tests only: a SQLite VFS shim that fails chosen files' writes as a
        // full disk, a read-only file system or an I/O error would.
        .target(name: "CSQLiteFaults", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "StorageFaults", dependencies: ["CSQLiteFaults"], swiftSettings: strict),
        // Layer 3: transport. The protocol every broker connection implements,
        // and the libmosquitto client: the only module that touches the C library.
        .target(name: "Transport", swiftSettings: strict),
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // libqrencode (system library `CQRencode`) behind a small Swift type.
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // libpng (system library `CPNG`), for QR codes as PNG images.
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .target(name: "QRCodes", dependencies: ["CQRencode", "CPNG"], swiftSettings: strict),
        .target(
            name: "MosquittoTransport",
            dependencies: [
                "CMosquitto", "Transport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Layer 4: configuration files and the node and hub services.
        .target(
            name: "DeviceConfig",
            dependencies: [
                "SyncCore", "MallDomain", "MosquittoTransport",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Services",
            dependencies: [
                "SyncCore", "MallDomain", "Storage", "Transport", "QRCodes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            resources: [
                .embedInCode("Console/console.html"), .embedInCode("Console/console.css"),
                .embedInCode("Console/console.js"), .embedInCode("Lounge/lounge.html"),
                .embedInCode("Lounge/lounge.css"), .embedInCode("Lounge/lounge.js"),
            ],
            swiftSettings: strict
        ),
        // Test support: in-memory stores, broker and transport with fault
        // injection, and the deterministic simulated mall day with its checks.
        .target(
            name: "Simulation",
            dependencies: ["SyncCore", "MallDomain", "Transport"],
            swiftSettings: strict
        ),
        // Test support: a real Mosquitto started on a free loopback port, and
        // the fleet processes started and stopped as a harness needs them.
        .target(name: "BrokerHarness", swiftSettings: strict),
        .executableTarget(
            name: "MallSim",
            dependencies: [
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Layer 5: the executables and what they share (configuration errors, logging).
        .target(
            name: "CommandSupport",
            dependencies: [
                "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "MallNode",
            dependencies: [
                "CommandSupport", "DeviceConfig", "MallDomain", "Services", "MosquittoTransport", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            linkerSettings: edgeReleaseLinking
        ),
        .executableTarget(
            name: "MallHub",
            dependencies: [
                "CommandSupport", "DeviceConfig", "MallDomain", "Services", "MosquittoTransport", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "PlateQuality",
            dependencies: ["MallDomain", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // What `mall-bench` and the benchmark suite share: synthetic plates, a
        // gate's workload, the catch-up and ingest runs, the raw baselines.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "MallDomain", "Services", "Storage", "SyncCore", "Transport", "MosquittoTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "MallBench",
            dependencies: [
                "BenchmarkSupport", "MallDomain", "Services", "Storage", "SyncCore", "Transport", "MosquittoTransport",
                "BrokerHarness",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The parsers that take outside bytes, under libFuzzer (deploy/scripts/fuzz.sh
        // builds it with --sanitize=fuzzer -DFUZZING) or replaying files without it.
        .executableTarget(
            name: "MallFuzz",
            dependencies: [
                "SyncCore", "MallDomain", "DeviceConfig",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "MosquittoTransport", "Simulation", "BrokerHarness",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: [
                "BrokerHarness", "MallNode", "MallHub", "MosquittoTransport", "SyncCore", "MallDomain", "Transport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "Simulation", "BrokerHarness", "SyncCore", "MallDomain", "Transport",
                "QRCodes",
                "Storage",
                "StorageFaults",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["DeviceConfig", "MallDomain"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MallDomainTests",
            dependencies: [
                "MallDomain", "SyncCore", "Simulation", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SyncCoreTests", dependencies: ["SyncCore", "MallDomain", "Simulation", "Storage"],
            swiftSettings: strict),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "MallDomain", "Simulation", "StorageFaults",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "MallDomain"], swiftSettings: strict),
    ]
)
