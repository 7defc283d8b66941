import Testing
import TollgateCore

/// `CompactJWS` decodes the payload and the signature into one array, the
/// payload's last four-byte store running into the signature's room: every
/// pair of lengths must come back byte for byte, and a bad segment must still
/// be named as before (the payload's fault first).
@Suite struct CompactJWSDecodingTests {
    private static let header = Base64URL.encode(Array(#"{"alg":"RS256","kid":"rsa-1"}"#.utf8))

    private static func bytes(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ seed &* 7 &+ 0xA5) }
    }

    @Test func payloadAndSignatureOfEveryLengthComeBackExactly() throws {
        for payloadCount in 0...24 {
            for signatureCount in [0, 1, 2, 3, 4, 5, 6, 7, 31, 256, 257] {
                let payload = Self.bytes(payloadCount, seed: payloadCount)
                let signature = Self.bytes(signatureCount, seed: signatureCount + 1)
                let token = "\(Self.header).\(Base64URL.encode(payload)).\(Base64URL.encode(signature))"
                let jws = try CompactJWS(parsing: token)
                #expect(jws.payload == payload, "payload \(payloadCount), signature \(signatureCount)")
                #expect(jws.signature == signature, "payload \(payloadCount), signature \(signatureCount)")
            }
        }
    }

    @Test func theFaultySegmentIsNamedPayloadFirst() {
        let good = Base64URL.encode(Array("{}".utf8))
        let cases: [(payload: String, signature: String, part: MalformedToken.Part)] = [
            ("e$0", "AQID", .claims), ("e30AB", "AQID", .claims), ("e3", "AQID", .claims),
            ("e$0", "AQIDB", .claims), ("e30AB", "A", .claims),
            (good, "AQIDB", .signature), (good, "AQ$D", .signature), (good, "AR", .signature), (good, "AQ==", .signature),
        ]
        for (payload, signature, part) in cases {
            #expect(throws: TokenError.malformed(.notBase64URL(part)), "\(payload).\(signature)") {
                try CompactJWS(parsing: "\(Self.header).\(payload).\(signature)")
            }
        }
    }
}
