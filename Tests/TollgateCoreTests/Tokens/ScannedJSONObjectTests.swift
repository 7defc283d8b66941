import Testing
import TollgateCore

/// `ScannedJSONObject` checks a payload in full but decodes claims only when read:
/// it must accept and refuse exactly what the full JSON parser does, and read
/// the same values, whatever the spelling of names and values.
@Suite struct ScannedJSONObjectTests {
    typealias F = TokenFixtures

    private func claims(_ payload: String) throws(TokenError) -> ScannedJSONObject {
        try JWT(parsing: F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)).claims
    }

    private func error(_ payload: String) -> TokenError? {
        do {
            _ = try claims(payload)
            return nil
        } catch {
            return error
        }
    }

    /// Payloads that are valid JSON objects, spelt in the ways a hostile or
    /// unusual issuer might: escapes in names and values, non-ASCII, nesting,
    /// every scalar kind, whitespace everywhere.
    static let objects: [String] = [
        "{}",
        #"{"iss":"https://tenant.eu.example.com","exp":1700000600,"aud":["a","b"],"scope":"apps:read apps"}"#,
        #"{"\u0069ss":"https:\/\/tenant.eu.example.com","s\u0075b":"al\u00efce"}"#,
        #" { "exp" : 1.7e9 , "nbf" : -0.5 , "flag" : true , "none" : null , "f" : false } "#,
        #"{"cnf":{"jkt":"abc","x5t#S256":"def"},"realm_access":{"roles":["a",{"b":[1,2,{"c":null}]}]}}"#,
        #"{"名前":"値","emoji":"\ud83d\ude00","tab":"a\tb","quote":"\"q\""}"#,
        #"{"K":1,"k":2}"#,
        #"{"a":[],"b":[[]],"c":{},"d":""}"#,
    ]

    @Test(arguments: objects)
    func readsWhatTheFullParserReads(payload: String) throws {
        let claims = try claims(payload)
        let object = try #require(try JSONParser.parse(payload).objectValue)
        #expect(claims.count == object.count)
        for (name, value) in zip(object.keys, object.values) {
            #expect(claims[name] == value, "claim \(name)")
        }
        #expect(claims["absent"] == nil)
    }

    @Test func escapedNamesAreFoundByTheirText() throws {
        let claims = try claims(#"{"\u0069ss":"x","s\u0075b":"alice"}"#)
        #expect(claims["iss"] == .string("x"))
        #expect(claims["sub"] == .string("alice"))
        #expect(claims["\\u0069ss"] == nil)
    }

    @Test func namesCompareAsStringsDo() throws {
        // U+212A KELVIN SIGN is canonically equivalent to "K": Swift's `String`
        // equality (and so the full parser's duplicate check) treats them as one name.
        #expect(error(#"{"K":1,"\u212A":2}"#) == .malformed(.duplicateMember(.claims)))
        #expect(try claims(#"{"\u212A":7}"#)["K"]?.numberValue == 7)
        #expect(try claims(#"{"K":7}"#)["\u{212A}"]?.numberValue == 7)
    }

    @Test func duplicateNamesAreRefusedHoweverSpelt() {
        #expect(error(#"{"sub":"alice","sub":"admin"}"#) == .malformed(.duplicateMember(.claims)))
        #expect(error(#"{"sub":"alice","s\u0075b":"admin"}"#) == .malformed(.duplicateMember(.claims)))
        #expect(error(#"{"cnf":{"jkt":"a","jkt":"b"}}"#) == .malformed(.duplicateMember(.claims)))
        let many = (0..<40).map { #""k\#($0)":0"# }.joined(separator: ",")
        #expect(error("{\(many),\"k39\":1}") == .malformed(.duplicateMember(.claims)))
        #expect(error("{\(many),\"k\\u0033\":1}") == .malformed(.duplicateMember(.claims)))
        #expect(error("{\(many)}") == nil)
    }

    @Test func whatIsNotAnObjectIsRefusedAsTheFullParserDoes() {
        #expect(error("[]") == .malformed(.notAnObject(.claims)))
        #expect(error(#""claims""#) == .malformed(.notAnObject(.claims)))
        #expect(error("42") == .malformed(.notAnObject(.claims)))
        #expect(error("null") == .malformed(.notAnObject(.claims)))
        for broken in [
            "", "{", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{"a":01}"#, #"{"a":"\x"}"#, #"{"a":"\ud800"}"#,
            "{\"a\":\"\u{01}\"}", #"{"a":1}x"#, #"{"a":[1,]}"#, #"{"a":tru}"#, #"{a:1}"#, #"{"a":1}{}"#,
        ] {
            #expect(error(broken) == .malformed(.notJSON(.claims)), "\(broken)")
        }
        // FuzzClaims' first finding: a number beyond `Double`'s range passed the
        // scan but not the parser, so `nbf: 1e999` would have read as absent.
        #expect(error(#"{"iss":"https://issuer.example","aud":"1E+308api","exp":17e36165971999}"#) == .malformed(.notJSON(.claims)))
        #expect(error(#"{"nbf":1e999}"#) == .malformed(.notJSON(.claims)))
        #expect(error(#"{"a":[-1e400]}"#) == .malformed(.notJSON(.claims)))
        #expect(error(#"{"a":1e308,"b":-0.0,"c":123456789012345678901234567890}"#) == nil)
        // Whole numbers skip the range check up to 300 characters; past that the
        // parser decides, and beyond `Double`'s range (310 digits, 1e309) refuses.
        for (digits, refused) in [(299, false), (300, false), (301, false), (309, false), (310, true), (400, true)] {
            for sign in ["", "-"] {
                let number = sign + "1" + String(repeating: "0", count: digits - 1)
                #expect((error(#"{"a":\#(number)}"#) != nil) == refused, "\(sign)\(digits) digits")
                #expect((error(#"{"a":[\#(number)]}"#) != nil) == refused, "\(sign)\(digits) digits in an array")
            }
        }
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(error(#"{"a":\#(deep)}"#) == .malformed(.notJSON(.claims)))
    }

    @Test func invalidUTF8IsRefusedInNamesAndValues() {
        for payload: [UInt8] in [
            Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
            Array(#"{""#.utf8) + [0xFF] + Array(#"":1}"#.utf8),
        ] {
            let token = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: "{}", key: F.rsa)
            let parts = token.split(separator: ".")
            let forged = "\(parts[0]).\(Base64URL.encode(payload)).\(parts[2])"
            #expect(throws: TokenError.malformed(.notJSON(.claims))) { try JWT(parsing: forged) }
        }
    }

    @Test func issuerAndAudienceSpeltWithEscapesStillVerify() throws {
        let verifier = JWTVerifier(policy: F.policy())
        let escapedIssuer = F.issuer.replacingOccurrences(of: "/", with: "\\/")
        let payload = #"{"iss":"\#(escapedIssuer)","aud":"api.ex\u0061mple.com","exp":\#(F.now + 600),"sub":"alice"}"#
        let token = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)
        let verified = try verifier.verify(token, keys: F.keySet, now: F.now)
        #expect(verified.subject == "alice")
        let wrong = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: #"{"iss":"https:\/\/other","aud":"api.example.com","exp":\#(F.now + 600)}"#, key: F.rsa)
        #expect(throws: TokenError.wrongIssuer) { try verifier.verify(wrong, keys: F.keySet, now: F.now) }
        let otherAudience = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: #"{"iss":"\#(F.issuer)","aud":"api.example.org","exp":\#(F.now + 600)}"#, key: F.rsa)
        #expect(throws: TokenError.wrongAudience) { try verifier.verify(otherAudience, keys: F.keySet, now: F.now) }
    }

    @Test func nonASCIIIssuersCompareAsStrings() throws {
        // Precomposed "é" in the configuration, decomposed "e\u0301" in the token:
        // canonically equivalent, so equal, as `String` comparison has always had it.
        let verifier = JWTVerifier(policy: IssuerPolicy(name: "t", issuer: "https://t\u{E9}nant.example", audiences: [F.audience]))
        let payload = #"{"iss":"https://te\u0301nant.example","aud":"\#(F.audience)","exp":\#(F.now + 600)}"#
        let token = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: payload, key: F.rsa)
        #expect(try verifier.verify(token, keys: F.keySet, now: F.now).issuer == "t")
        let other = F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: #"{"iss":"https://tenant.example","aud":"\#(F.audience)","exp":\#(F.now + 600)}"#, key: F.rsa)
        #expect(throws: TokenError.wrongIssuer) { try verifier.verify(other, keys: F.keySet, now: F.now) }
    }

    @Test func numericDatesReadInPlaceOrDecoded() throws {
        let verifier = JWTVerifier(policy: F.policy())
        func token(exp: String) -> String {
            F.forged(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: #"{"iss":"\#(F.issuer)","aud":"\#(F.audience)","exp":\#(exp)}"#, key: F.rsa)
        }
        #expect(try verifier.verify(token(exp: "\(F.now + 600)"), keys: F.keySet, now: F.now).expiresAt == F.now + 600)
        #expect(try verifier.verify(token(exp: "\(F.now + 600).9"), keys: F.keySet, now: F.now).expiresAt == F.now + 600)
        #expect(try verifier.verify(token(exp: "1.7000006e9"), keys: F.keySet, now: F.now).expiresAt == 1_700_000_600)
        #expect(try verifier.verify(token(exp: "12345678901234567890"), keys: F.keySet, now: F.now).expiresAt > F.now)
        #expect(throws: TokenError.invalidClaim("exp", "is not a number")) { try verifier.verify(token(exp: "\"\(F.now + 600)\""), keys: F.keySet, now: F.now) }
        #expect(throws: TokenError.expired) { try verifier.verify(token(exp: "-1"), keys: F.keySet, now: F.now) }
    }

    /// A string is scanned eight bytes a step until a byte needs a look: a
    /// quote, a backslash, a control character or non-ASCII at any offset
    /// (before, inside or after a whole step) must be found there.
    @Test func everySpecialByteIsFoundAtEveryOffset() throws {
        let specials: [(spelt: String, decoded: String)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\u0041"#, "A"), ("é", "é"), ("\u{7F}", "\u{7F}"), (#"\n"#, "\n"),
        ]
        for offset in 0..<20 {
            let before = String(repeating: "a", count: offset)
            for special in specials {
                let claims = try claims(#"{"v":"\#(before)\#(special.spelt)tail-of-eight+"}"#)
                let expected = before + special.decoded + "tail-of-eight+"
                #expect(claims["v"] == .string(expected), "offset \(offset), \(special.spelt)")
                #expect(claims.plainString("v").isOther, "offset \(offset), \(special.spelt): not plain")
            }
            #expect(error("{\"v\":\"\(before)\u{01}tail-of-eight+\"}") == .malformed(.notJSON(.claims)), "raw control at \(offset)")
            #expect(error("{\"v\":\"\(before)") == .malformed(.notJSON(.claims)), "unterminated after \(offset)")
            let plain = try claims(#"{"v":"\#(before)","w":1}"#)
            #expect(plain.plainString("v").text == before)
            #expect(plain["w"] == .number(JSONNumber(1)))
        }
    }

    @Test func plainStringsReadAsTheParserReadsThem() throws {
        let claims = try claims(#"{"sub":"alice@example.com","n":7,"s":"","a":["x"],"o":{},"nul":null}"#)
        #expect(claims.plainString("sub").text == "alice@example.com")
        #expect(claims.plainString("s").text == "")
        for name in ["n", "a", "o", "nul"] {
            #expect(claims.plainString(name).isOther, "\(name)")
        }
        #expect(claims.plainString("absent").isAbsent)
    }

    @Test func headerParametersSpeltWithEscapesReadAsText() throws {
        let token = F.forged(header: #"{"\u0061lg":"R\u0053256","kid":"rsa\u002d1","typ":"at+jwt"}"#, payload: "{}", key: F.rsa)
        let header = try JWT(parsing: token).header
        #expect(header.algorithm == .rs256)
        #expect(header.keyID == "rsa-1")
        #expect(header.type == "at+jwt")
        #expect(header.parameters.count == 3)
    }
}

extension ScannedJSONObject.PlainRead where Value == String {
    var text: String? {
        if case .plain(let text) = self { return text }
        return nil
    }

    var isOther: Bool {
        if case .other = self { return true }
        return false
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}
