import MicroFixtures
import TollgateCore

/// One algorithm's token, ready to be checked both ways: whole by the product's
/// verifier, and as its decoded signature over its signing input by swift-crypto.
public struct AlgorithmCase: Sendable {
    public let algorithm: JWSAlgorithm
    public let token: String
    public let signingInput: [UInt8]
    public let signature: [UInt8]
    public let primitive: PrimitiveVerifier

    public init(_ algorithm: JWSAlgorithm, key: SigningKey, primitive: PrimitiveVerifier) {
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
