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
    ],
    targets: [
        .executableTarget(
            name: "RouteMatching",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TollgateCore", package: tollgate),
            ],
            path: "Benchmarks/RouteMatching",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
