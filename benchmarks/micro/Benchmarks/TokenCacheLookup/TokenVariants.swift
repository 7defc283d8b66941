import MicroFixtures
import TollgateCore

/// Distinct tokens of a real token's size and shape, made without signing
/// each one (100,000 RSA signatures would take minutes): the model's header,
/// the benchmark claims with the token's own `jti`, and the model's signature
/// with the number mixed in. The cache keys on the text only, so these
/// signatures need not verify.
enum TokenVariants {
    static func token(like model: String, number: Int) -> String {
        let segments = model.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let signature = Base64URL.decode(segments[2]) else {
            fatalError("the model token is not a compact JWS")
        }
        let claims = BenchmarkTokens.claims(scope: BenchmarkTokens.typicalScope, tokenID: "jti-\(number)")
        var mixed = signature
        for (offset, byte) in "\(number)".utf8.enumerated() { mixed[offset] ^= byte }
        return "\(segments[0]).\(Base64URL.encode(Array(claims.jsonText.utf8))).\(Base64URL.encode(mixed))"
    }

    /// The same text in new storage, as a request's header would be.
    static func copy(_ token: String) -> String {
        String(decoding: Array(token.utf8), as: UTF8.self)
    }
}
