import Benchmark
import Crypto
import MicroFixtures
import TollgateCore
import _CryptoExtras

/// Verifications through `JWTVerifier.verify` (parse, header, claims, key by
/// `kid`, signature, extraction) next to swift-crypto's bare check of the same
/// signature, one pair of benchmarks per algorithm, and an interleaved one that
/// alternates batches of both in the same samples so that machine noise hits
/// both alike and their ratio can be read directly.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    let rsa = BenchmarkTokens.generate(.rsa, keyID: "rsa-2048")
    let p256 = BenchmarkTokens.generate(.ec(.p256), keyID: "ec-p256")
    let p384 = BenchmarkTokens.generate(.ec(.p384), keyID: "ec-p384")
    let ed25519 = BenchmarkTokens.generate(.ed25519, keyID: "okp-ed25519")
    let secret = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let hmac = setUp("the HMAC key") { try SigningKey(hmacSecret: secret, keyID: "oct-256") }
    let keys = JWKSet(keys: [rsa, p256, p384, ed25519, hmac].map(\.verificationKey))

    func pem(_ key: SigningKey) -> String {
        guard let pem = key.publicKeyPEM else { fatalError("no public PEM for \(key.family)") }
        return pem
    }
    let rsaPublic = setUp("the RSA public key") { try _RSA.Signing.PublicKey(pemRepresentation: pem(rsa)) }
    let cases = [
        AlgorithmCase(.rs256, key: rsa, primitive: .rsa(rsaPublic, .insecurePKCS1v1_5)),
        AlgorithmCase(.ps256, key: rsa, primitive: .rsa(rsaPublic, .PSS)),
        AlgorithmCase(.es256, key: p256, primitive: .p256(setUp("the P-256 public key") {
            try P256.Signing.PublicKey(pemRepresentation: pem(p256))
        })),
        AlgorithmCase(.es384, key: p384, primitive: .p384(setUp("the P-384 public key") {
            try P384.Signing.PublicKey(pemRepresentation: pem(p384))
        })),
        AlgorithmCase(.edDSA, key: ed25519, primitive: .ed25519(setUp("the Ed25519 public key") {
            try Curve25519.Signing.PublicKey(pemRepresentation: pem(ed25519))
        })),
        AlgorithmCase(.hs256, key: hmac, primitive: .hmacSHA256(SymmetricKey(data: secret))),
    ]

    let verifier = JWTVerifier(policy: BenchmarkTokens.policy, forwardedClaims: ["sub"])
    let now = BenchmarkTokens.now
    for algorithmCase in cases {
        setUp("\(algorithmCase.algorithm) through the verifier") {
            _ = try verifier.verify(algorithmCase.token, keys: keys, now: now)
        }
        guard algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput) else {
            fatalError("\(algorithmCase.algorithm): swift-crypto refuses the signature")
        }
    }

    for algorithmCase in cases {
        let name = algorithmCase.algorithm.rawValue
        Benchmark("\(name) JWTVerifier.verify") { benchmark in
            let headers = JOSEHeaderMemo()
            for _ in benchmark.scaledIterations {
                blackHole(try verifier.verify(algorithmCase.token, keys: keys, now: now, headers: headers))
            }
        }
        Benchmark("\(name) swift-crypto") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput))
            }
        }
        Benchmark(
            "\(name) interleaved",
            configuration: .init(
                metrics: InterleavedMetric.all,
                warmupIterations: 5,
                scalingFactor: .one,
                maxDuration: .seconds(3),
                maxIterations: 10_000
            )
        ) { benchmark in
            // About a millisecond per batch on the development VM.
            let batch = algorithmCase.algorithm.isSymmetric ? 256 : 16
            // The loop's header memo, as the gateway keeps one per event loop.
            let headers = JOSEHeaderMemo()
            func verifierBatch() throws -> Int {
                try InterleavedMetric.cpuNanoseconds {
                    for _ in 0..<batch {
                        blackHole(try verifier.verify(algorithmCase.token, keys: keys, now: now, headers: headers))
                    }
                }
            }
            func primitiveBatch() -> Int {
                InterleavedMetric.cpuNanoseconds {
                    for _ in 0..<batch {
                        blackHole(algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput))
                    }
                }
            }
            var verifierFirst = true
            for _ in benchmark.scaledIterations {
                let verifierTime: Int
                let primitiveTime: Int
                if verifierFirst {
                    verifierTime = try verifierBatch()
                    primitiveTime = primitiveBatch()
                } else {
                    primitiveTime = primitiveBatch()
                    verifierTime = try verifierBatch()
                }
                verifierFirst.toggle()
                InterleavedMetric.record(verifier: verifierTime, primitive: primitiveTime, batch: batch, in: benchmark)
            }
        }
    }
}
