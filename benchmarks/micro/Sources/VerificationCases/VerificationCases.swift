import Crypto
import MicroFixtures
import TollgateCore
import _CryptoExtras

/// The tokens, keys and verifier that the TokenVerification benchmarks and the
/// callgrind driver share, so that both measure exactly the same work: one
/// `AlgorithmCase` per algorithm, all verified against one set of five keys.
public struct VerificationCases: Sendable {
    public let cases: [AlgorithmCase]
    public let keys: JWKSet
    public let verifier: JWTVerifier
    public let now: Int64

    /// Generates the keys, mints the tokens and checks each once both ways, or stops.
    public init() {
        let rsa = BenchmarkTokens.generate(.rsa, keyID: "rsa-2048")
        let p256 = BenchmarkTokens.generate(.ec(.p256), keyID: "ec-p256")
        let p384 = BenchmarkTokens.generate(.ec(.p384), keyID: "ec-p384")
        let ed25519 = BenchmarkTokens.generate(.ed25519, keyID: "okp-ed25519")
        let secret = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let hmac = setUp("the HMAC key") { try SigningKey(hmacSecret: secret, keyID: "oct-256") }
        keys = JWKSet(keys: [rsa, p256, p384, ed25519, hmac].map(\.verificationKey))

        func pem(_ key: SigningKey) -> String {
            guard let pem = key.publicKeyPEM else { fatalError("no public PEM for \(key.family)") }
            return pem
        }
        let rsaPublic = setUp("the RSA public key") { try _RSA.Signing.PublicKey(pemRepresentation: pem(rsa)) }
        cases = [
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

        verifier = JWTVerifier(policy: BenchmarkTokens.policy, forwardedClaims: ["sub"])
        now = BenchmarkTokens.now
        for algorithmCase in cases {
            setUp("\(algorithmCase.algorithm) through the verifier") {
                _ = try verifier.verify(algorithmCase.token, keys: keys, now: now)
            }
            guard algorithmCase.primitive.isValidSignature(algorithmCase.signature, for: algorithmCase.signingInput) else {
                fatalError("\(algorithmCase.algorithm): swift-crypto refuses the signature")
            }
        }
    }
}
