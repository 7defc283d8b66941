import Testing
import TollgateCore

@Suite struct PublishedVectorTests {
    @Test(arguments: PublishedVectors.all)
    func verifies(_ vector: PublishedVectors.Vector) throws {
        let key = try VerificationKey(jwkJSON: vector.jwk)
        let jws = try CompactJWS(parsing: vector.token)
        #expect(key.isValidSignature(of: jws))
    }

    @Test(arguments: PublishedVectors.all)
    func failsWithAnyBitFlippedInTheHeader(_ vector: PublishedVectors.Vector) throws {
        let key = try VerificationKey(jwkJSON: vector.jwk)
        let headerLength = try #require(Base64URL.decode(segments(vector.token)[0])).count
        for position in 0..<headerLength {
            for bit in [0, 5] {
                #expect(!verifies(flipping(bit, at: position, inSegment: 0, of: vector.token), with: key), "header byte \(position) bit \(bit)")
            }
        }
    }

    @Test(arguments: PublishedVectors.all)
    func failsWithABitFlippedInThePayloadOrSignature(_ vector: PublishedVectors.Vector) throws {
        let key = try VerificationKey(jwkJSON: vector.jwk)
        for segment in [1, 2] {
            let length = try #require(Base64URL.decode(segments(vector.token)[segment])).count
            for position in Set([0, 1, length / 2, length - 1]) {
                for bit in [0, 7] {
                    #expect(!verifies(flipping(bit, at: position, inSegment: segment, of: vector.token), with: key),
                            "segment \(segment) byte \(position) bit \(bit)")
                }
            }
        }
    }

    /// RS256, EdDSA and HS256 are deterministic: signing the vector's input with
    /// its private key must give the published signature byte for byte.
    @Test(arguments: [PublishedVectors.rfc7515A1, PublishedVectors.rfc7515A2, PublishedVectors.rfc8037, PublishedVectors.rfc7520Section4_4])
    func signingReproducesTheDeterministicVectors(_ vector: PublishedVectors.Vector) throws {
        let key = try SigningKey(jwkJSON: vector.jwk)
        let parts = segments(vector.token)
        let jws = try CompactJWS(parsing: vector.token)
        let signature = try key.signature(for: Array("\(parts[0]).\(parts[1])".utf8), algorithm: jws.header.algorithm)
        #expect(Base64URL.encode(signature) == parts[2])
    }

    /// The randomised ones (ECDSA) are checked by signing the same input again and verifying.
    @Test(arguments: [PublishedVectors.rfc7515A3, PublishedVectors.rfc7515A4])
    func signingWithTheVectorKeyVerifies(_ vector: PublishedVectors.Vector) throws {
        let signingKey = try SigningKey(jwkJSON: vector.jwk)
        let parts = segments(vector.token)
        let algorithm = try CompactJWS(parsing: vector.token).header.algorithm
        let signature = try signingKey.signature(for: Array("\(parts[0]).\(parts[1])".utf8), algorithm: algorithm)
        let token = "\(parts[0]).\(parts[1]).\(Base64URL.encode(signature))"
        #expect(try VerificationKey(jwkJSON: vector.jwk).isValidSignature(of: CompactJWS(parsing: token)))
    }

    @Test func decodesTheVectorsToTheirPublishedContent() throws {
        let a4 = try CompactJWS(parsing: PublishedVectors.rfc7515A4.token)
        #expect(a4.payload == Array("Payload".utf8))
        #expect(a4.header.algorithm == .es512)
        let cookbook = try CompactJWS(parsing: PublishedVectors.rfc7520Section4_1.token)
        #expect(String(decoding: cookbook.payload, as: UTF8.self).hasPrefix("It\u{2019}s a dangerous business, Frodo"))
        #expect(cookbook.header.keyID == "bilbo.baggins@hobbiton.example")
        let a1 = try JWT(parsing: PublishedVectors.rfc7515A1.token)
        #expect(a1.header.type == "JWT")
        #expect(a1.claims["iss"] == .string("joe"))
        #expect(a1.claims["exp"]?.numberValue == 1_300_819_380)
    }

    /// RFC 7638 §3.1 and RFC 8037 A.3 thumbprints.
    @Test func computesPublishedThumbprints() throws {
        let rfc8037 = try VerificationKey(jwkJSON: PublishedVectors.rfc8037.jwk)
        #expect(rfc8037.identity.thumbprint == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        let rfc7638 = try VerificationKey(jwkJSON: #"{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":""#
            + "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMst"
            + "n64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
            + "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
            + #""}"#)
        #expect(rfc7638.identity.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    private func segments(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Flips one bit of the decoded bytes of a segment and re-encodes it canonically.
    private func flipping(_ bit: Int, at position: Int, inSegment segment: Int, of token: String) -> String {
        var parts = segments(token)
        var bytes = Base64URL.decode(parts[segment])!
        bytes[position] ^= UInt8(1) << bit
        parts[segment] = Base64URL.encode(bytes)
        return parts.joined(separator: ".")
    }

    private func verifies(_ token: String, with key: VerificationKey) -> Bool {
        guard let jws = try? CompactJWS(parsing: token) else { return false }
        return key.isValidSignature(of: jws)
    }
}
