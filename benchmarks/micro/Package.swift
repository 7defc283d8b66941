// swift-tools-version: 6.1
import PackageDescription

import struct Foundation.URL

/// SwiftPM names a path dependency after its folder, which is whatever the
/// clone of the main package is called, so the name is read off the path.
let tollgate = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("../..")
    .standardizedFileURL
    .lastPathComponent

let package = Package(
    name: "tollgate-micro-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(
            name: "MicroFixtures",
            dependencies: [
                .product(name: "TollgateCore", package: tollgate),
            ]
        ),
        benchmark("RouteMatching", extra: []),
        .target(
            name: "VerificationCases",
            dependencies: [
                "MicroFixtures",
                .product(name: "TollgateCore", package: tollgate),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        benchmark("TokenVerification", extra: ["VerificationCases"]),
        // Not a benchmark: verifies one token in a loop, for instruction counts under callgrind.
        .executableTarget(
            name: "VerificationCallgrind",
            dependencies: [
                "VerificationCases",
                .product(name: "TollgateCore", package: tollgate),
            ],
            path: "Drivers/VerificationCallgrind"
        ),
        benchmark("TokenCacheLookup", extra: ["MicroFixtures"]),
        benchmark("ScopeDecision", extra: ["MicroFixtures"]),
    ]
)

/// A benchmark executable in `Benchmarks/<name>`, run by the benchmark plugin.
func benchmark(_ name: String, extra: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "TollgateCore", package: tollgate),
        ] + extra,
        path: "Benchmarks/\(name)",
        plugins: [
            .plugin(name: "BenchmarkPlugin", package: "benchmark"),
        ]
    )
}
