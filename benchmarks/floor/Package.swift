// swift-tools-version: 6.1
import PackageDescription

/// The "naive NIO proxy" as a load-test target: stock NIOHTTP1 codecs
/// on both sides, one kept-alive upstream connection per client connection, no
/// auth. `benchmarks/run --floor` builds and loads it next to Tollgate, so the
/// gap between Tollgate and SwiftNIO's own floor is measured in the same run.
/// Never built by the main build or by CI.
let package = Package(
    name: "tollgate-nio-floor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        .executableTarget(
            name: "NIOFloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
