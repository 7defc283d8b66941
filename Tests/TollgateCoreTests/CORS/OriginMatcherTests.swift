import Testing
import TollgateCore

@Suite struct OriginMatcherTests {
    let matcher = try! OriginMatcher(allowedOrigins: [
        "https://dashboard.example.com",
        "https://*.example.com",
        "http://localhost:3000",
        "https://*.staging.example.org:8443",
    ])

    @Test(arguments: [
        "https://dashboard.example.com",
        "HTTPS://DASHBOARD.EXAMPLE.COM",
        "https://dashboard.example.com:443",
        "https://a.example.com",
        "https://a.b.c.example.com",
        "https://A.Example.Com",
        "http://localhost:3000",
        "https://x.staging.example.org:8443",
        "https://x.y.staging.example.org:8443",
    ])
    func allows(origin: String) {
        #expect(matcher.matches(origin))
    }

    @Test(arguments: [
        "https://example.com",
        "https://evil-example.com",
        "https://example.com.evil.com",
        "https://a.example.com.evil.com",
        "https://evil.com/.example.com",
        "https://evil.com?.example.com",
        "https://evil.com#.example.com",
        "https://a.example.com@evil.com",
        "https://user@a.example.com",
        "http://a.example.com",
        "http://dashboard.example.com",
        "https://a.example.com:8443",
        "https://dashboard.example.com:444",
        "https://dashboard.example.com.",
        "https://a.example.com.",
        "https://dashboard.example.com/",
        "https://dashboard.example.com/app",
        "http://localhost",
        "http://localhost:3001",
        "https://localhost:3000",
        "https://x.staging.example.org",
        "https://staging.example.org:8443",
        "wss://a.example.com",
        "null",
        "",
        "*",
        "https://*.example.com",
        " https://dashboard.example.com",
        "https://dashboard.example.com ",
        "https://dashboard.example.com\r\n",
    ])
    func refuses(origin: String) {
        #expect(!matcher.matches(origin))
    }

    @Test func starMatchesAnyOriginButNull() throws {
        let any = try OriginMatcher(allowedOrigins: ["*"])
        #expect(any.isWildcard)
        #expect(any.matches("https://anything.test"))
        #expect(any.matches("http://127.0.0.1:9"))
        #expect(!any.matches("null"))
        #expect(!any.matches("https://a.test/path"))
        #expect(!any.matches("not an origin"))
    }

    @Test func nullMatchesOnlyWhenListedLiterally() throws {
        let withNull = try OriginMatcher(allowedOrigins: ["null", "https://a.test"])
        #expect(withNull.matches("null"))
        #expect(withNull.matches(Origin.null))
        #expect(!withNull.matches("Null"))
        #expect(!matcher.matches(Origin.null))
    }

    @Test func matchesParsedOrigins() throws {
        #expect(matcher.matches(try Origin(parsing: "https://Dashboard.Example.com:443")))
        #expect(!matcher.matches(try Origin(parsing: "https://evil-example.com")))
    }

    @Test func configuredEntriesAreNormalisedToo() throws {
        let upper = try OriginMatcher(allowedOrigins: ["HTTPS://App.Example.com:443", "https://*.Example.Net"])
        #expect(upper.matches("https://app.example.com"))
        #expect(upper.matches("https://x.example.net"))
    }

    @Test func emptyAndNoneMatchNothing() throws {
        #expect(OriginMatcher.none.isEmpty)
        #expect(!OriginMatcher.none.matches("https://a.test"))
        #expect(!OriginMatcher.none.matches("null"))
        #expect(try OriginMatcher(allowedOrigins: [String]()).isEmpty)
        #expect(!matcher.isEmpty)
    }

    @Test(arguments: [
        ("https://example.com/", OriginError.Reason.pathQueryOrFragment),
        ("example.com", .missingScheme),
        ("*.example.com", .misplacedWildcard),
        ("https://*", .misplacedWildcard),
        ("https://a*.example.com", .misplacedWildcard),
        ("https://a.*.example.com", .misplacedWildcard),
        ("https://*.*.example.com", .misplacedWildcard),
        ("https://*.[::1]", .misplacedWildcard),
        ("https://*.example.com/", .pathQueryOrFragment),
        ("https://*.example.com:0", .invalidPort),
        ("https://user@example.com", .userinfo),
    ])
    func refusesBadConfiguredEntriesWithTheirLocation(text: String, reason: OriginError.Reason) {
        let location = TollgateCore.SourceLocation(line: 7, column: 5)
        #expect(throws: OriginError(text: text, reason: reason, location: location)) {
            try OriginMatcher(allowedOrigins: [Located("https://fine.test"), Located(text, at: location)])
        }
    }
}
