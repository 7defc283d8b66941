import Testing
@testable import TollgateCore

/// The scan's index of registered names must find exactly what walking the
/// members finds (and what the full parser reads), whatever the order,
/// spelling or nesting of the claims; when it cannot know (escaped or
/// non-ASCII names, too many members) lookups must still be right.
@Suite struct RegisteredMemberIndexTests {
    typealias F = TokenFixtures

    private func claims(_ payload: String) throws -> ScannedJSONObject {
        try JWT(parsing: F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)).claims
    }

    /// Every registered name, read through the index, equals the full parser's
    /// reading of the payload and a walk over the members by name.
    private func expectIndexAgrees(_ payload: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let claims = try claims(payload)
        let object = try #require(try JSONParser.parse(payload).objectValue, sourceLocation: sourceLocation)
        for name in RegisteredName.allCases {
            let indexed = claims[.registered(name)]
            #expect(indexed == claims[.other(name.rawValue)], "\(name) in \(payload)", sourceLocation: sourceLocation)
            #expect(indexed == object[name.rawValue], "\(name) in \(payload)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyRegisteredNameIsRecognisedFromItsBytes() {
        for name in RegisteredName.allCases {
            var text = name.rawValue
            #expect(text.withUTF8 { RegisteredName($0) } == name)
            #expect(MemberKey(name.rawValue).name == name.rawValue)
        }
    }

    /// Each byte of each registered name, changed to every other value, makes
    /// a name that is not registered (names are compared as packed integers).
    @Test func everyOneByteChangeOfARegisteredNameIsNotRegistered() {
        for name in RegisteredName.allCases {
            let bytes = Array(name.rawValue.utf8)
            for offset in bytes.indices {
                for value in UInt8.min...UInt8.max where value != bytes[offset] {
                    var changed = bytes
                    changed[offset] = value
                    let read = changed.withUnsafeBufferPointer { RegisteredName($0) }
                    #expect(read == nil, "\(name) with byte \(offset) = \(value)")
                }
            }
        }
    }

    @Test(arguments: ["", "is", "isS", "ISS", "iss ", "issx", "scopes", "scop", "client_iD", "client_idx", "cri", "crim", "jti", "x5t", "sux"])
    func otherNamesAreNotRegistered(_ name: String) {
        var text = name
        #expect(text.withUTF8 { RegisteredName($0) } == nil)
        if case .registered = MemberKey(name) { Issue.record("\(name) read as registered") }
    }

    @Test func claimsInAnyOrderAreFound() throws {
        let members = [
            #""iss":"https://i.example""#, #""sub":"alice""#, #""aud":["a","b"]"#, #""exp":1700000600"#, #""nbf":1"#,
            #""iat":2"#, #""scope":"a b""#, #""scp":["c"]"#, #""client_id":"web""#, #""azp":"spa""#, #""cnf":{"jkt":"k"}"#,
            #""jti":"j""#, #""typ":"x""#,
        ]
        try expectIndexAgrees("{" + members.joined(separator: ",") + "}")
        try expectIndexAgrees("{" + members.reversed().joined(separator: ",") + "}")
        // A rotation for every starting member, and every other member alone.
        for start in members.indices {
            try expectIndexAgrees("{" + (members[start...] + members[..<start]).joined(separator: ",") + "}")
            try expectIndexAgrees("{" + members[start] + "}")
        }
        try expectIndexAgrees("{}")
    }

    @Test func claimLikeNamesInsideNestedValuesAreNotClaims() throws {
        let payload = #"{"cnf":{"iss":"inner","exp":1},"x":[{"sub":"nested"}],"realm":{"aud":"no"},"exp":5,"note":"\"iss\":\"fake\""}"#
        try expectIndexAgrees(payload)
        let claims = try claims(payload)
        #expect(claims[.registered(.iss)] == nil)
        #expect(claims[.registered(.sub)] == nil)
        #expect(claims[.registered(.aud)] == nil)
        #expect(claims[.registered(.exp)] == .number(JSONNumber(5)))
    }

    @Test func escapedAndNonASCIINamesAreFoundByTheirText() throws {
        try expectIndexAgrees(#"{"\u0069ss":"escaped","sub":"plain","exp":9}"#)
        try expectIndexAgrees(#"{"sub":"plain","名前":"値","exp":9,"s\u0063ope":"a b"}"#)
        let claims = try claims(#"{"\u0069ss":"escaped","exp":9}"#)
        #expect(claims[.registered(.iss)] == .string("escaped"))
        #expect(claims.plainString(.registered(.iss)).text == "escaped")
        // Spelt with an escape, a registered name still collides with its plain spelling.
        #expect(throws: TokenError.malformed(.duplicateMember(.claims))) { try self.claims(#"{"iss":"a","\u0069ss":"b"}"#) }
    }

    @Test func objectsWithMoreMembersThanTheIndexNumbersAreWalked() throws {
        let filler = (0..<300).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        try expectIndexAgrees("{" + filler + #","iss":"last","exp":7}"#)
        try expectIndexAgrees(#"{"iss":"first",""# + filler.dropFirst() + "}")
    }

    @Test func verificationReadsClaimsInAnyOrderAlike() throws {
        let verifier = JWTVerifier(policy: F.policy(), forwardedClaims: ["sub", "iss", "jti"])
        let members = [
            #""iss":"\#(F.issuer)""#, #""aud":"\#(F.audience)""#, #""exp":\#(F.now + 600)"#, #""iat":\#(F.now - 5)"#,
            #""sub":"auth0|5f7c8ec7c33c6c004bbafe82""#, #""scope":"read write""#, #""client_id":"web""#, #""jti":"j-1""#,
        ]
        for payload in ["{" + members.joined(separator: ",") + "}", "{" + members.reversed().joined(separator: ",") + "}"] {
            let token = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)
            let verified = try verifier.verify(token, keys: F.keySet, now: F.now)
            #expect(verified.subject == "auth0|5f7c8ec7c33c6c004bbafe82")
            #expect(verified.clientID == "web")
            #expect(verified.scopes == ["read", "write"])
            #expect(verified.forwardedClaims == ["auth0|5f7c8ec7c33c6c004bbafe82", F.issuer, "j-1"])
        }
    }

    @Test func aForwardedSubjectIsStillRefusedWithAControlCharacter() throws {
        let verifier = JWTVerifier(policy: F.policy(), forwardedClaims: ["sub"])
        let payload = #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":\#(F.now + 600),"sub":"al\u000aice"}"#
        let token = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)
        #expect(throws: TokenError.invalidClaim("sub", "contains a control character and cannot be forwarded")) {
            try verifier.verify(token, keys: F.keySet, now: F.now)
        }
        // Not forwarded, the same subject is the verifier's to return as it is.
        #expect(try JWTVerifier(policy: F.policy()).verify(token, keys: F.keySet, now: F.now).subject == "al\nice")
        let escaped = #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":\#(F.now + 600),"sub":"\u0061lice"}"#
        let escapedToken = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: escaped, key: F.rsa)
        #expect(try verifier.verify(escapedToken, keys: F.keySet, now: F.now).forwardedClaims == ["alice"])
    }
}
