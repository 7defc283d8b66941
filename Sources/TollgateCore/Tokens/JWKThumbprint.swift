import Crypto

/// RFC 7638 JWK thumbprints: the base64url SHA-256 of a JWK's required
/// members, in lexicographic order, as compact JSON. A DPoP-bound token names
/// its key this way (`cnf.jkt`, RFC 9449 §6.1), and the proof-key cache is keyed by it.
public enum JWKThumbprint {
    /// The thumbprint of a public JWK (`RSA`: e, kty, n; `EC`: crv, kty, x, y;
    /// `OKP`: crv, kty, x), computed from the members as written.
    public static func sha256(of jwk: JSONObject) throws(KeyError) -> String {
        guard let keyType = jwk["kty"] else { throw .missingParameter("kty") }
        guard let kty = keyType.stringValue else { throw .invalidParameter("kty", "must be a string") }
        let required: [String]
        switch kty {
        case "RSA": required = ["e", "kty", "n"]
        case "EC": required = ["crv", "kty", "x", "y"]
        case "OKP": required = ["crv", "kty", "x"]
        default: throw .unsupportedKeyType(kty)
        }
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(required.count)
        for name in required {
            guard let value = jwk[name] else { throw .missingParameter(name) }
            guard case .string = value else { throw .invalidParameter(name, "must be a string") }
            members.append((name, value))
        }
        let canonical = JSONObject(uniqueKeysWithValues: members).jsonText
        return Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8))))
    }

    /// The base64url SHA-256 of `bytes`: an access token's hash for a proof's
    /// `ath` (RFC 9449 §4.2), or a DER certificate's for `cnf.x5t#S256` (RFC 8705 §3.1).
    public static func sha256Base64URL(_ bytes: some StringProtocol) -> String {
        var text = String(bytes)
        return text.withUTF8 { Base64URL.encode(Array(SHA256.hash(data: UnsafeRawBufferPointer($0)))) }
    }
}
