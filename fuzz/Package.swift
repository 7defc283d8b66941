// swift-tools-version: 6.1
import PackageDescription

import struct Foundation.URL

/// SwiftPM names a path dependency after its folder, which is whatever the
/// clone of the main package is called, so the name is read off the path.
let tollgate = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("..")
    .standardizedFileURL
    .lastPathComponent

/// One libFuzzer target per parser that sees attacker bytes; `fuzz/run` builds
/// them with `-sanitize=fuzzer,address` into `.build-fuzz`, away from the main build.
let fuzzTargets = [
    "FuzzJSON",
    "FuzzJOSE",
    "FuzzClaims",
    "FuzzJWKS",
    "FuzzRequestTarget",
    "FuzzAuthorization",
    "FuzzOrigin",
    "FuzzConfig",
]

let package = Package(
    name: "tollgate-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "TollgateCore", package: tollgate)]
        )
    }
)
