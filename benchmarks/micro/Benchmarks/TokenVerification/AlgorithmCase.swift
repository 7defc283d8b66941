import MicroFixtures
import TollgateCore

/// One algorithm's token, ready to be checked both ways: whole by the product's
/// verifier, and as its decoded signature over its signing input by swift-crypto.
struct AlgorithmCase: Sendable {
    let algorithm: JWSAlgorithm
    let token: String
    let signingInput: [UInt8]
    let signature: [UInt8]
    let primitive: PrimitiveVerifier

    init(_ algorithm: JWSAlgorithm, key: SigningKey, primitive: PrimitiveVerifier) {
        self.algorithm = algorithm
        self.primitive = primitive
        token = BenchmarkTokens.mint(key, claims: BenchmarkTokens.claims(scope: BenchmarkTokens.typicalScope), algorithm: algorithm)
        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")),
              let signature = Base64URL.decode(String(decoding: bytes[(lastDot + 1)...], as: UTF8.self))
        else {
            fatalError("a minted \(algorithm) token has no signature segment")
        }
        signingInput = Array(bytes[..<lastDot])
        self.signature = signature
    }
}
