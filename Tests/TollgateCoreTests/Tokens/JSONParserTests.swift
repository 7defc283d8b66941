import Foundation
import Testing
import TollgateCore

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" { "s" : "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "n": -12.5e+2, "i": 0, "t": true, "f": false, "z": null, "a": [1, [], {}] } "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["s", "n", "i", "t", "f", "z", "a"])
        #expect(object["s"] == .string("a\"b\\c/d\n\té😀"))
        #expect(object["n"]?.numberValue == -1250)
        #expect(object["i"]?.numberValue == 0)
        #expect(object["t"] == .bool(true))
        #expect(object["f"] == .bool(false))
        #expect(object["z"] == .null)
        guard case .array(let elements)? = object["a"] else {
            Issue.record("a is not an array")
            return
        }
        #expect(elements.count == 3)
        #expect(object["missing"] == nil)
    }

    @Test func keepsNumbersAsWritten() throws {
        let value = try JSONParser.parse("[1e3, 1.50, -0, 1700000000]")
        #expect(value.jsonText == "[1e3,1.50,-0,1700000000]")
    }

    @Test func serialisesAndReparsesToTheSameValue() throws {
        let text = #"{"a":"line\nbreak \u0001 \"q\" \\","b":[true,false,null,{"c":-1.5}],"é":"ü"}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.jsonText) == value)
        #expect(value.jsonText == #"{"a":"line\nbreak \u0001 \"q\" \\","b":[true,false,null,{"c":-1.5}],"é":"ü"}"#)
    }

    @Test func allowsAnEscapedNulInsideAString() throws {
        #expect(try JSONParser.parse(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    @Test func rejectsDuplicateMemberNames() {
        #expect(reason(#"{"sub":"alice","sub":"admin"}"#) == .duplicateMember("sub"))
        #expect(reason(#"{"a":{"x":1,"x":1}}"#) == .duplicateMember("x"))
        // Names that are equal only after unescaping are the same name.
        #expect(reason(#"{"sub":1,"s\u0075b":2}"#) == .duplicateMember("sub"))
        // Past the linear-scan limit the check uses a set; it must still catch repeats.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(reason("{\(many),\"k3\":0}") == .duplicateMember("k3"))
        #expect(reason("{\(many),\"k39\":0}") == .duplicateMember("k39"))
        #expect((try? JSONParser.parse("{\(many)}")) != nil)
    }

    @Test func boundsNestingDepth() {
        let deepest = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect((try? JSONParser.parse(deepest)) != nil)
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(reason(tooDeep) == .tooDeep)
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(reason(objects) == .tooDeep)
    }

    @Test(arguments: [
        ("", JSONParseError.Reason.unexpectedEnd),
        ("   ", .unexpectedEnd),
        ("{", .unexpectedEnd),
        (#"{"a""#, .unexpectedEnd),
        (#""abc"#, .unexpectedEnd),
        ("[1,]", .unexpectedByte),
        (#"{"a":1,}"#, .unexpectedByte),
        ("{'a':1}", .unexpectedByte),
        ("{a:1}", .unexpectedByte),
        ("[1 2]", .unexpectedByte),
        ("tru", .unexpectedEnd),
        ("trux", .unexpectedByte),
        ("NaN", .unexpectedByte),
        ("Infinity", .unexpectedByte),
        ("+1", .unexpectedByte),
        ("01", .invalidNumber),
        ("-01", .invalidNumber),
        ("1.", .invalidNumber),
        (".5", .unexpectedByte),
        ("-", .invalidNumber),
        ("1e", .invalidNumber),
        ("1e+", .invalidNumber),
        ("1e400", .invalidNumber),
        ("\"a\tb\"", .controlCharacterInString),
        ("\"a\nb\"", .controlCharacterInString),
        (#""\x""#, .invalidEscape),
        (#""\u12G4""#, .invalidEscape),
        (#""\ud800""#, .loneSurrogate),
        (#""\ud800\u0041""#, .loneSurrogate),
        (#""\udc00""#, .loneSurrogate),
        ("{} x", .trailingContent),
        ("1 2", .trailingContent),
    ])
    func rejectsWhatRFC8259DoesNotAllow(_ text: String, _ expected: JSONParseError.Reason) {
        #expect(reason(text) == expected)
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func reportsWhereTheProblemIs() {
        #expect(throws: JSONParseError(reason: .unexpectedByte, offset: 3)) { try JSONParser.parse("[1,]") }
        #expect(String(describing: JSONParseError(reason: .tooDeep, offset: 7)) == "nesting too deep at byte 7")
    }

    /// Not an assertion on time (that would be flaky): prints the cost of this
    /// parser and of Foundation's on a typical access-token payload.
    @Test func comparesWithJSONSerialization() throws {
        let claims = Array(Self.typicalClaims.utf8)
        let rounds = 2000
        let clock = ContinuousClock()
        var parsed = 0
        let ours = clock.measure {
            for _ in 0..<rounds {
                if case .object(let object)? = try? JSONParser.parse(claims) { parsed += object.count }
            }
        }
        let data = Data(claims)
        let foundation = clock.measure {
            for _ in 0..<rounds {
                if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { parsed += object.count }
            }
        }
        #expect(parsed == 2 * rounds * 12)
        print("JSONParser \(ours / rounds) per claims payload; JSONSerialization \(foundation / rounds) (in this build: a debug build is unoptimised, compare release figures)")
    }

    static let typicalClaims = #"{"iss":"https://tenant.eu.example.com","sub":"auth0|5f7c8ec7c33c6c004bbafe82","aud":["api.example.com","https://tenant.eu.example.com/userinfo"],"iat":1700000000,"exp":1700003600,"nbf":1700000000,"jti":"2f1c5d3e-8f0a-4c5b-9d7e-1a2b3c4d5e6f","client_id":"dashboard-spa","azp":"dashboard-spa","scope":"openid profile apps:read apps:write admin.apps","gty":"client-credentials","tenant":"eu-1"}"#

    private func reason(_ text: String) -> JSONParseError.Reason? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error.reason
        }
    }
}
