import Testing
import TollgateCore

@Suite("JOSEHeaderMemo")
struct JOSEHeaderMemoTests {
    private let payload = #"{"iss":"https://tenant.eu.example.com","exp":1700003600}"#

    @Test("a remembered header reads exactly as a decoded one, and is decoded once")
    func remembered() throws {
        let memo = JOSEHeaderMemo()
        let header = #"{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}"#
        let first = try CompactJWS(parsing: TokenFixtures.forged(header: header, payload: payload), headers: memo)
        #expect(memo.count == 1)
        let second = try CompactJWS(parsing: TokenFixtures.forged(header: header, payload: #"{"sub":"bob"}"#), headers: memo)
        #expect(memo.count == 1)
        let decoded = try CompactJWS(parsing: TokenFixtures.forged(header: header, payload: payload))
        for jws in [first, second] {
            #expect(jws.header.algorithm == decoded.header.algorithm)
            #expect(jws.header.keyID == "rsa-1")
            #expect(jws.header.type == "at+jwt")
            #expect(jws.header.parameters.count == 3)
        }
        #expect(second.payload == Array(#"{"sub":"bob"}"#.utf8))
    }

    /// The memo lends the last token's decode and member arrays to the next
    /// token; a token still held must keep its own bytes and claims whatever is
    /// parsed after it, larger, smaller or failing.
    @Test("a token kept while others are parsed through the same memo keeps its payload, signature and claims")
    func keptTokenIsUntouched() throws {
        let memo = JOSEHeaderMemo()
        let header = #"{"alg":"RS256","kid":"rsa-1"}"#
        let kept = try JWT(parsing: TokenFixtures.forged(header: header, payload: payload, signature: Array(repeating: 7, count: 256)), headers: memo)
        let others = [
            #"{"iss":"https://other.example.com","exp":1,"sub":"a much longer subject than the kept token has","scope":"x y z"}"#,
            #"{"exp":2}"#,
        ]
        for (index, other) in others.enumerated() {
            let next = try JWT(parsing: TokenFixtures.forged(header: header, payload: other, signature: [UInt8](repeating: UInt8(index), count: 64)), headers: memo)
            #expect(next.jws.payload == Array(other.utf8))
            #expect(next.jws.signature == [UInt8](repeating: UInt8(index), count: 64))
            #expect(throws: TokenError.self) {
                try JWT(parsing: TokenFixtures.forged(header: header, payload: "[1]", signature: [9]), headers: memo)
            }
            #expect(kept.jws.payload == Array(payload.utf8))
            #expect(kept.jws.signature == Array(repeating: 7, count: 256))
            #expect(kept.claims.count == 2)
            #expect(kept.unverifiedIssuer == "https://tenant.eu.example.com")
        }
        let again = try JWT(parsing: TokenFixtures.forged(header: header, payload: payload, signature: [5]), headers: memo)
        #expect(again.jws.payload == Array(payload.utf8))
        #expect(again.jws.signature == [5])
        #expect(again.claims.count == 2)
    }

    @Test("headers that differ in one byte are told apart")
    func distinct() throws {
        let memo = JOSEHeaderMemo()
        let a = try CompactJWS(parsing: TokenFixtures.forged(header: #"{"alg":"RS256","kid":"a"}"#, payload: payload), headers: memo)
        let b = try CompactJWS(parsing: TokenFixtures.forged(header: #"{"alg":"RS256","kid":"b"}"#, payload: payload), headers: memo)
        let c = try CompactJWS(parsing: TokenFixtures.forged(header: #"{"alg":"ES256","kid":"a"}"#, payload: payload, signature: Array(repeating: 1, count: 64)), headers: memo)
        #expect(a.header.keyID == "a")
        #expect(b.header.keyID == "b")
        #expect(c.header.algorithm == .es256)
        #expect(memo.count == 3)
    }

    @Test("a header that fails is not remembered and fails the same way every time", arguments: [
        (#"{"alg":"none"}"#, TokenError.unsigned),
        (#"{"alg":"RS256","alg":"RS256"}"#, TokenError.malformed(.duplicateMember(.header))),
        (#"{"alg":"RS256","crit":["exp"]}"#, TokenError.malformed(.criticalExtension)),
        (#"["alg"]"#, TokenError.malformed(.notAnObject(.header))),
        (#"{"alg":"HS1"}"#, TokenError.unsupportedAlgorithm),
    ])
    func failures(header: String, expected: TokenError) {
        let memo = JOSEHeaderMemo()
        let token = TokenFixtures.forged(header: header, payload: payload)
        for _ in 0..<3 {
            #expect(throws: expected) { try CompactJWS(parsing: token, headers: memo) }
        }
        #expect(memo.count == 0)
    }

    @Test("a header that is not base64url is refused before the memo, with or without it")
    func notBase64URL() {
        let memo = JOSEHeaderMemo()
        #expect(throws: TokenError.malformed(.notBase64URL(.header))) { try CompactJWS(parsing: "ey$J.eyJ9.AQID", headers: memo) }
        let huge = "ey" + String(repeating: "A", count: CompactJWS.maxEncodedHeaderBytes) + ".eyJ9.AQID"
        #expect(throws: TokenError.malformed(.headerTooLarge(limit: CompactJWS.maxEncodedHeaderBytes))) {
            try CompactJWS(parsing: huge, headers: memo)
        }
        #expect(memo.count == 0)
    }

    @Test("bounded: past its capacity the oldest header makes room, and every header still reads right")
    func bounded() throws {
        let memo = JOSEHeaderMemo()
        let kids = (0..<(JOSEHeaderMemo.capacity + 3)).map { "key-\($0)" }
        for _ in 0..<2 {
            for kid in kids {
                let jws = try CompactJWS(parsing: TokenFixtures.forged(header: #"{"alg":"RS256","kid":"\#(kid)"}"#, payload: payload), headers: memo)
                #expect(jws.header.keyID == kid)
                #expect(memo.count <= JOSEHeaderMemo.capacity)
            }
        }
        #expect(memo.count == JOSEHeaderMemo.capacity)
    }

    @Test("the verifier gives the same answer with a memo, for good and bad tokens alike")
    func verifierAgrees() throws {
        let verifier = JWTVerifier(policy: TokenFixtures.policy(), forwardedClaims: ["sub"])
        let memo = JOSEHeaderMemo()
        let good = TokenFixtures.token()
        let expired = TokenFixtures.token([("exp", .number(JSONNumber(TokenFixtures.now - 100)))])
        let hmac = TokenFixtures.token(key: TokenFixtures.hmac)
        for _ in 0..<2 {
            let remembered = try verifier.verify(good, keys: TokenFixtures.keySet, now: TokenFixtures.now, headers: memo)
            #expect(remembered == (try verifier.verify(good, keys: TokenFixtures.keySet, now: TokenFixtures.now)))
            #expect(throws: TokenError.expired) {
                try verifier.verify(expired, keys: TokenFixtures.keySet, now: TokenFixtures.now, headers: memo)
            }
            #expect(try verifier.verify(hmac, keys: TokenFixtures.keySet, now: TokenFixtures.now, headers: memo).subject == "alice")
        }
        #expect(memo.count == 2)
    }
}
