import Testing
import TollgateCore

@Suite struct OriginTests {
    @Test(arguments: [
        ("https://app.example.com", "https://app.example.com"),
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("http://app.example.com:443", "http://app.example.com:443"),
        ("https://app.example.com:80", "https://app.example.com:80"),
        ("https://app.example.com:08443", "https://app.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://[FE80::1]", "http://[fe80::1]"),
        ("chrome-extension://abcdef", "chrome-extension://abcdef"),
        ("https://example.com.", "https://example.com."),
        ("https://my_host.example.com", "https://my_host.example.com"),
    ])
    func normalises(text: String, canonical: String) throws {
        let origin = try Origin(parsing: text)
        #expect(origin.serialized == canonical)
        #expect(origin.description == canonical)
        #expect(try Origin(parsing: canonical) == origin)
    }

    @Test func exposesComponents() throws {
        let origin = try Origin(parsing: "HTTPS://Api.Example.com:8443")
        #expect(origin.scheme == "https")
        #expect(origin.host == "api.example.com")
        #expect(origin.port == 8443)
        #expect(!origin.isNull)
        #expect(try Origin(parsing: "https://api.example.com:443").port == nil)
    }

    @Test func nullIsItsOwnOrigin() throws {
        let null = try Origin(parsing: "null")
        #expect(null == Origin.null)
        #expect(null.isNull)
        #expect(null.serialized == "null")
        #expect(throws: OriginError.self) { try Origin(parsing: "NULL") }
    }

    @Test func trailingDotIsADifferentOrigin() throws {
        #expect(try Origin(parsing: "https://example.com.") != Origin(parsing: "https://example.com"))
    }

    @Test(arguments: [
        ("https://app.example.com/", OriginError.Reason.pathQueryOrFragment),
        ("https://app.example.com/path", .pathQueryOrFragment),
        ("https://app.example.com?q=1", .pathQueryOrFragment),
        ("https://app.example.com#top", .pathQueryOrFragment),
        ("https://user@app.example.com", .userinfo),
        ("https://user:pw@app.example.com", .userinfo),
        ("app.example.com", .missingScheme),
        ("//app.example.com", .missingScheme),
        ("https:/app.example.com", .missingScheme),
        ("1http://app.example.com", .missingScheme),
        ("", .missingScheme),
        ("https://", .invalidHost),
        ("https://app..example.com", .invalidHost),
        ("https://.example.com", .invalidHost),
        ("https://example.com..", .invalidHost),
        ("https://exa mple.com", .invalidHost),
        (" https://example.com", .missingScheme),
        ("https://example.com ", .invalidHost),
        ("https://ex%61mple.com", .invalidHost),
        ("https://exämple.com", .invalidHost),
        ("https://*.example.com", .invalidHost),
        ("https://example.com:", .invalidPort),
        ("https://example.com:0", .invalidPort),
        ("https://example.com:65536", .invalidPort),
        ("https://example.com:99999999999999999999", .invalidPort),
        ("https://example.com:80a", .invalidPort),
        ("http://[::1", .invalidHost),
        ("http://[]", .invalidHost),
        ("http://[::g]", .invalidHost),
    ])
    func rejectsWhatIsNotAnOrigin(text: String, reason: OriginError.Reason) {
        #expect(throws: OriginError(text: text, reason: reason)) { try Origin(parsing: text) }
    }

    @Test func errorNamesTheTextAndTheRule() {
        let error = OriginError(text: "https://a.com/", reason: .pathQueryOrFragment)
        #expect(error.description == "'https://a.com/' is not an origin (scheme://host[:port]): an origin has no path, query or fragment (not even a trailing '/')")
    }

    @Test func requestOriginFromSchemeAndHostHeader() throws {
        #expect(try Origin(scheme: "https", hostHeader: "API.example.com:443").serialized == "https://api.example.com")
        #expect(try Origin(scheme: "http", hostHeader: "[::1]:8080").serialized == "http://[::1]:8080")
        #expect(throws: OriginError.self) { try Origin(scheme: "https", hostHeader: "evil.com/x") }
    }
}
