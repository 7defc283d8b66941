import Crypto

/// The `x5t#S256` of a certificate (RFC 8705 §3.1): base64url of the SHA-256 of
/// its DER encoding, which a certificate-bound token's `cnf` must name.
public enum CertificateThumbprint {
    public static func sha256(der: [UInt8]) -> String {
        Base64URL.encode(Array(SHA256.hash(data: der)))
    }
}
