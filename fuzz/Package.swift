// swift-tools-version:5.4
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM links an executable with
// `--defsym main=<Target>_main`, which a `-parse-as-library` libFuzzer target
// does not have; 5.4 leaves `main` to libFuzzer's runtime.
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
    "FuzzRequestParser",
]

/// What each target links: the core, and for the client connection's request parser the server module.
func dependencies(of name: String) -> [Target.Dependency] {
    let core = Target.Dependency.product(name: "TollgateCore", package: tollgate)
    return name == "FuzzRequestParser" ? [core, .product(name: "TollgateServer", package: tollgate)] : [core]
}

let package = Package(
    name: "tollgate-fuzz",
    dependencies: [
        .package(path: ".."),
    ],
    targets: fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: dependencies(of: name)
        )
    }
)
