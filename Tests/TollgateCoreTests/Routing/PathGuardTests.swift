import Testing
@testable import TollgateCore

@Suite("PathGuard")
struct PathGuardTests {
    @Test("splits path and query without changing either", arguments: [
        ("/", "/", nil),
        ("/a/b", "/a/b", nil),
        ("/a/b?", "/a/b", ""),
        ("/a?x=1&y=2", "/a", "x=1&y=2"),
        ("/a?x=1?y=2", "/a", "x=1?y=2"),
        ("/?", "/", ""),
    ] as [(String, String, String?)])
    func splits(target: String, path: String, query: String?) throws {
        let checked = try PathGuard.check(target)
        #expect(checked.raw == target)
        #expect(checked.path == path)
        #expect(checked.query.map(String.init) == query)
    }

    @Test("accepts safe paths", arguments: [
        "//", "/a//b", "/a/", "/...", "/..../x", "/a.b", "/.well-known/openid-configuration",
        "/a%2e", "/%2ea", "/%2e%2e%2e", "/a..", "/..a", "/%41%42", "/a?x=1;y=2", "/a?%3B",
        "/a:b@c!$&'()*+,=~-_", "/a?x=../..&y=%2F%5C%2e", "/a?x=%00", "/a?q=caf\u{E9}",
        "/a?q=\\",
    ])
    func accepts(target: String) throws {
        _ = try PathGuard.check(target)
    }

    @Test("refuses what is not origin-form", arguments: [
        "", "*", "http://example.com/a", "https://example.com/", "example.com:443", "a/b", "?x", "%2Fa",
    ])
    func refusesOtherForms(target: String) {
        #expect(throws: PathRejection(.notOriginForm, at: 0)) { try PathGuard.check(target) }
    }

    @Test("refuses dot segments, raw or encoded in any case", arguments: [
        ("/.", 1), ("/..", 1), ("/./a", 1), ("/../a", 1), ("/a/.", 3), ("/a/..", 3),
        ("/a/./b", 3), ("/a/../b", 3), ("/a/..?x", 3), ("/a/.?x", 3),
        ("/%2e", 1), ("/%2E", 1), ("/%2e%2e", 1), ("/%2E%2E", 1), ("/%2e%2E", 1), ("/%2E%2e", 1),
        ("/.%2e", 1), ("/.%2E", 1), ("/%2e.", 1), ("/%2E.", 1), ("/a/%2E%2e/b", 3), ("/a/%2e/b", 3),
    ] as [(String, Int)])
    func refusesDotSegments(target: String, offset: Int) {
        #expect(throws: PathRejection(.dotSegment, at: offset)) { try PathGuard.check(target) }
    }

    @Test("refuses ';' in the path, raw or encoded in either case, wherever it stands", arguments: [
        ("/admin;x/secret", 6), ("/admin%3Bx/secret", 6), ("/admin%3bx/secret", 6), ("/a;b", 2), ("/;x", 1), ("/;", 1),
        ("/a/b;", 4), ("/a/b;jsessionid=1?x=1", 4), ("/..;/admin", 3), ("/.;x", 2),
        ("/a/%2e%2e;jsessionid=1/b", 9), ("/..%3b/x", 3), ("/..%3B/x", 3), ("/admin/secret;.css", 13),
    ] as [(String, Int)])
    func refusesSemicolons(target: String, offset: Int) {
        #expect(throws: PathRejection(.semicolon, at: offset)) { try PathGuard.check(target) }
    }

    @Test("a route pattern with ';' is refused, as no request could ever match it", arguments: [
        ("/admin;x", "admin;x", "/admin;x"), ("/a/%3Bb/**", "%3Bb", "/a/%3Bb/c"), ("/a%3b", "a%3b", "/a%3b"),
    ])
    func refusesSemicolonPatterns(pattern: String, segment: String, request: String) {
        #expect(throws: RoutePatternError.semicolon(segment)) { try RoutePattern(parsing: pattern) }
        #expect(throws: PathRejection.self) { try PathGuard.check(request) }
    }

    @Test("refuses encoded slash and backslash, raw backslash", arguments: [
        ("/a%2Fb", PathRejection.Reason.encodedSlash, 2), ("/a%2fb", .encodedSlash, 2), ("/%2F", .encodedSlash, 1),
        ("/a%5Cb", .encodedBackslash, 2), ("/a%5cb", .encodedBackslash, 2),
        ("/a\\b", .backslash, 2), ("/\\..\\x", .backslash, 1), ("/a/\\", .backslash, 3),
    ] as [(String, PathRejection.Reason, Int)])
    func refusesSeparators(target: String, reason: PathRejection.Reason, offset: Int) {
        #expect(throws: PathRejection(reason, at: offset)) { try PathGuard.check(target) }
    }

    @Test("refuses NUL raw or encoded, in the path, and raw in the query", arguments: [
        ("/a\u{0}b", 2), ("/a%00b", 2), ("/\u{0}", 1), ("/a?x=\u{0}", 5),
    ] as [(String, Int)])
    func refusesNUL(target: String, offset: Int) {
        #expect(throws: PathRejection(.nul, at: offset)) { try PathGuard.check(target) }
    }

    @Test("refuses malformed percent-encoding", arguments: [
        ("/%", 1), ("/a%", 2), ("/a%4", 2), ("/%zz", 1), ("/%4g", 1), ("/%g4", 1), ("/a%%41", 2), ("/%4?x", 1),
    ] as [(String, Int)])
    func refusesMalformedEncoding(target: String, offset: Int) {
        #expect(throws: PathRejection(.malformedPercentEncoding, at: offset)) { try PathGuard.check(target) }
    }

    @Test("refuses raw control characters, space, non-ASCII and '#'", arguments: [
        ("/a\u{1}b", PathRejection.Reason.controlCharacter, 2), ("/a\tb", .controlCharacter, 2),
        ("/a\r\nb", .controlCharacter, 2), ("/a\u{7F}", .controlCharacter, 2), ("/a?x=\n", .controlCharacter, 5),
        ("/a b", .space, 2), ("/a?b c", .space, 4),
        ("/caf\u{E9}", .nonASCII, 4), ("/\u{1F600}", .nonASCII, 1),
        ("/a#b", .fragment, 2), ("/a?b#c", .fragment, 4),
    ] as [(String, PathRejection.Reason, Int)])
    func refusesRawBytes(target: String, reason: PathRejection.Reason, offset: Int) {
        #expect(throws: PathRejection(reason, at: offset)) { try PathGuard.check(target) }
    }

    @Test("reports the first problem with a readable reason")
    func describesTheProblem() {
        #expect(throws: PathRejection(.encodedSlash, at: 4)) { try PathGuard.check("/a/b%2F../c") }
        let rejection = PathRejection(.dotSegment, at: 3)
        #expect(rejection.description == "the path contains a '.' or '..' segment (possibly percent-encoded) (at byte 3)")
        #expect(PathRejection(.semicolon, at: 6).description.contains("';' (raw or %3B)"))
    }
}
