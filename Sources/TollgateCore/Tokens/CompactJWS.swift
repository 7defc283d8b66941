import Foundation

/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded but not
/// yet verified: exactly three canonical base64url segments, a header that is a
/// JSON object naming a supported `alg`. The payload is left as bytes; `JWT`
/// reads it as claims.
public struct CompactJWS: Sendable {
    /// Encoded headers longer than this are rejected before they are decoded.
    public static let maxEncodedHeaderBytes = 8192

    public let header: JOSEHeader
    /// The decoded payload followed by the decoded signature: one allocation
    /// instead of two saves about 60 ns a token (an array's allocation goes
    /// through a generic-metadata lookup; standalone `-O` loop, session 7).
    let decoded: [UInt8]
    /// How many of `decoded`'s bytes are the payload.
    let payloadCount: Int
    /// The token text; its first `signingInputCount` bytes are the JWS signing input.
    private let token: String
    private let signingInputCount: Int

    /// Splits and decodes `token`; `headers`, when given, remembers decoded headers for this loop.
    public init(parsing token: String, headers: JOSEHeaderMemo? = nil) throws(TokenError) {
        var token = token
        let parsed: Result<Split, TokenError> = token.withUTF8 { bytes in
            Result { () throws(TokenError) in try Self.split(bytes, headers: headers) }
        }
        let split = try parsed.get()
        header = split.header
        decoded = split.decoded
        payloadCount = split.payloadCount
        signingInputCount = split.signingInputCount
        self.token = token
    }

    /// The decoded payload.
    public var payload: [UInt8] { Array(decoded[..<payloadCount]) }

    /// The decoded signature.
    public var signature: [UInt8] { Array(decoded[payloadCount...]) }

    /// Calls `body` with the decoded signature's bytes, in place.
    func withSignature<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let start = payloadCount
        return try decoded.withUnsafeBytes { bytes in try body(UnsafeRawBufferPointer(rebasing: bytes[start...])) }
    }

    /// Calls `body` with the bytes that were signed: `BASE64URL(header) || '.' || BASE64URL(payload)`.
    public func withSigningInput<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var token = token
        let count = signingInputCount
        return try token.withUTF8 { bytes in
            try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0..<count]))
        }
    }

    /// A cheap test, without decoding, of whether `token` looks like a JWS:
    /// three segments of base64url characters, the first of which starts with
    /// `ey` (the encoding of `{`). Tokens that are not JWT-shaped are opaque and
    /// go to introspection; a JWT-shaped token is never introspected.
    public static func isJWTShaped(_ token: String) -> Bool {
        var token = token
        return token.withUTF8 { bytes in
            bytes.starts(with: "ey".utf8) && Base64URL.isThreeSegments(bytes)
        }
    }

    /// What `split` found: the header, the payload and signature decoded into one array, and where they part.
    private struct Split {
        let header: JOSEHeader
        let decoded: [UInt8]
        let payloadCount: Int
        let signingInputCount: Int
    }

    private static func split(_ bytes: UnsafeBufferPointer<UInt8>, headers: JOSEHeaderMemo?) throws(TokenError) -> Split {
        guard let firstDot = dot(in: bytes, from: 0) else { throw .malformed(.segmentCount) }
        let afterFirst = firstDot + 1
        guard let secondDot = dot(in: bytes, from: afterFirst) else { throw .malformed(.segmentCount) }
        guard dot(in: bytes, from: secondDot + 1) == nil else { throw .malformed(.segmentCount) }
        guard firstDot <= maxEncodedHeaderBytes else { throw .malformed(.headerTooLarge(limit: maxEncodedHeaderBytes)) }

        let encodedHeader = UnsafeBufferPointer(rebasing: bytes[..<firstDot])
        let header = if let headers {
            try headers.header(encodedAs: encodedHeader, decode: decodeHeader)
        } else {
            try decodeHeader(encodedHeader)
        }
        let encodedPayload = UnsafeBufferPointer(rebasing: bytes[afterFirst..<secondDot])
        let encodedSignature = UnsafeBufferPointer(rebasing: bytes[(secondDot + 1)...])
        guard let payloadCount = Base64URL.decodedCount(encodedPayload.count) else { throw .malformed(.notBase64URL(.claims)) }
        // A signature of no canonical length is refused after the payload, as when each was decoded on its own.
        let expectedSignatureCount = Base64URL.decodedCount(encodedSignature.count)
        // Into the loop's spare array when there is one: see `JOSEHeaderMemo.takeDecodeBuffer`.
        let decodedCount = payloadCount + (expectedSignatureCount ?? 0)
        var decoded = headers?.takeDecodeBuffer(count: decodedCount) ?? [UInt8](repeating: 0, count: decodedCount)
        let failure: TokenError? = decoded.withUnsafeMutableBytes { out in
            // The payload first: its last 4-byte store may run into the signature's room, which the signature then fills.
            guard Base64URL.decode(encodedPayload, into: out) else { return .malformed(.notBase64URL(.claims)) }
            guard expectedSignatureCount != nil,
                Base64URL.decode(encodedSignature, into: UnsafeMutableRawBufferPointer(rebasing: out[payloadCount...]))
            else {
                return .malformed(.notBase64URL(.signature))
            }
            return nil
        }
        if let failure { throw failure }
        headers?.keepDecodeBuffer(decoded)
        let signatureCount = decoded.count - payloadCount
        if let expected = expectedSignatureLength(header.algorithm), signatureCount != expected {
            throw .malformed(.signatureLength)
        }
        return Split(header: header, decoded: decoded, payloadCount: payloadCount, signingInputCount: secondDot)
    }

    private static func decodeHeader(_ encoded: UnsafeBufferPointer<UInt8>) throws(TokenError) -> JOSEHeader {
        guard let headerBytes = Base64URL.decode(encoded) else { throw .malformed(.notBase64URL(.header)) }
        return try JOSEHeader(decoding: headerBytes)
    }

    /// The index of the first `.` at or after `start`: `memchr`, because a
    /// byte-by-byte `firstIndex(of:)` over an 800-byte token was 2.4% of a
    /// verification's samples in the micro-benchmark's profile.
    private static func dot(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count else { return nil }
        guard let found = memchr(base + start, Int32(UInt8(ascii: ".")), bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Parses a header or claims segment as a JSON object.
    static func parseObject(_ bytes: [UInt8], part: MalformedToken.Part) throws(TokenError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            if case .duplicateMember = error.reason { throw .malformed(.duplicateMember(part)) }
            throw .malformed(.notJSON(part))
        }
        guard let object = value.objectValue else { throw .malformed(.notAnObject(part)) }
        return object
    }

    /// The fixed signature length of an algorithm; `nil` for RSA, whose length is the modulus size.
    /// ECDSA signatures are the JOSE form R || S (RFC 7518 §3.4), so a DER-encoded
    /// signature, whose length varies, is rejected here.
    private static func expectedSignatureLength(_ algorithm: JWSAlgorithm) -> Int? {
        switch algorithm.keyFamily {
        case .rsa: nil
        case .ec(let curve): 2 * curve.coordinateByteCount
        case .ed25519: 64
        case .hmac:
            switch algorithm {
            case .hs384: 48
            case .hs512: 64
            default: 32
            }
        }
    }
}

/// A JWT (RFC 7519): a compact JWS whose payload is a JSON object of claims.
/// Parsing does not verify anything; `JWTVerifier` does.
public struct JWT: Sendable {
    public let jws: CompactJWS
    public let claims: ScannedJSONObject

    /// Parses `token`; `headers`, when given, remembers decoded headers for this loop.
    public init(parsing token: String, headers: JOSEHeaderMemo? = nil) throws(TokenError) {
        jws = try CompactJWS(parsing: token, headers: headers)
        claims = try ScannedJSONObject(scanning: jws.decoded, count: jws.payloadCount, part: .claims, memo: headers)
    }

    public var header: JOSEHeader { jws.header }

    /// The `iss` claim before any verification, so that the caller can pick the
    /// issuer whose keys and policy apply. Never trust it for anything else.
    public var unverifiedIssuer: String? {
        if case .plain(let issuer) = claims.string(.registered(.iss)) { issuer } else { nil }
    }
}
