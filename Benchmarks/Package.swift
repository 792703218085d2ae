// swift-tools-version:6.2
import PackageDescription

/// MallEdge's benchmark suite on package-benchmark (ordo-one/benchmark):
/// each MallEdge figure beside its baseline (raw SQLite, a bare HTTP route,
/// raw libmosquitto through the same broker), measured in the same run, with
/// wall time, CPU, allocations and memory, and saved baselines to compare
/// against. Its own package, so that the benchmark plugin, its malloc
/// interposer and the HTTP client stay out of the product build and its CI.
///
/// Run it from the repository's top level with `make benchmarks`, or here:
/// `swift package --disable-sandbox benchmark`.
let package = Package(
    name: "MallEdgeBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "MallEdge", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "MallEdgeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MallEdgeBenchmarking", package: "MallEdge"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/MallEdgeBenchmarks",
            swiftSettings: [
                .treatAllWarnings(as: .error), .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
