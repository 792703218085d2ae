// swift-tools-version:6.2
import PackageDescription

/// Every target builds in Swift 6 language mode with strict concurrency, and a
/// warning in our own code fails the build (dependencies are not affected).
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "MallEdge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mall-sim", targets: ["MallSim"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Layer 1: pure core. No I/O, no GRDB, no C: clocks, changes, merge rules,
        // wire messages and the protocol state machines.
        .target(
            name: "SyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Layer 2: the SQLite replica and hub store (GRDB over the system libsqlite3).
        .target(
            name: "Storage",
            dependencies: [
                "SyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // In-memory stores, a Mosquitto-like simulated broker with fault injection,
        // and the deterministic simulated mall day with its checks.
        .target(
            name: "Simulation",
            dependencies: ["SyncCore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "MallSim",
            dependencies: [
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore", "Simulation"], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Simulation"], swiftSettings: strict),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation"], swiftSettings: strict),
    ]
)
