import Testing
import TollgateCore

@Suite("DPoP: RFC 7638 JWK thumbprints")
struct JWKThumbprintTests {
    /// RFC 7638 §3.1.
    static let rfc7638Key = #"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#

    static func object(_ json: String) throws -> JSONObject {
        try #require(try JSONParser.parse(json).objectValue)
    }

    @Test("RFC 7638 §3.1: the RSA example's thumbprint, exactly")
    func rfc7638Example() throws {
        #expect(try JWKThumbprint.sha256(of: Self.object(Self.rfc7638Key)) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        // The same key parsed as a verification key has the same identity.
        #expect(try VerificationKey(jwkJSON: Self.rfc7638Key).identity.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test("member order and optional members do not change the thumbprint; a required member does")
    func canonicalMembers() throws {
        let a = try Self.object(#"{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}"#)
        let b = try Self.object(#"{"kid":"k","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","use":"sig","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","kty":"EC","crv":"P-256"}"#)
        let c = try Self.object(#"{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDB"}"#)
        #expect(try JWKThumbprint.sha256(of: a) == JWKThumbprint.sha256(of: b))
        #expect(try JWKThumbprint.sha256(of: a) != JWKThumbprint.sha256(of: c))
    }

    @Test("a generated key's thumbprint equals its verification key's identity (EC, OKP, RSA)")
    func generatedKeys() throws {
        for family in [KeyFamily.ec(.p256), .ec(.p384), .ed25519, .rsa] {
            let key = try SigningKey.generate(family)
            #expect(key.jwkThumbprint == key.verificationKey.identity.thumbprint)
        }
        #expect(try SigningKey.generate(.hmac).jwkThumbprint == nil)
    }

    @Test("missing, mistyped and unsupported members are errors")
    func hostileJWKs() throws {
        #expect(throws: KeyError.missingParameter("kty")) { try JWKThumbprint.sha256(of: Self.object(#"{"x":"a"}"#)) }
        #expect(throws: KeyError.missingParameter("y")) { try JWKThumbprint.sha256(of: Self.object(#"{"kty":"EC","crv":"P-256","x":"a"}"#)) }
        #expect(throws: KeyError.invalidParameter("e", "must be a string")) { try JWKThumbprint.sha256(of: Self.object(#"{"kty":"RSA","n":"a","e":65537}"#)) }
        #expect(throws: KeyError.unsupportedKeyType("oct")) { try JWKThumbprint.sha256(of: Self.object(#"{"kty":"oct","k":"abc"}"#)) }
    }
}
