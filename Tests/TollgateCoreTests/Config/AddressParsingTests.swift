import Testing
import TollgateCore

@Suite struct AddressParsingTests {
    @Test(arguments: [
        ("127.0.0.1:8080", HostPort(host: "127.0.0.1", port: 8080)),
        ("[::1]:8080", HostPort(host: "::1", port: 8080)),
        ("Api.Internal:443", HostPort(host: "api.internal", port: 443)),
        ("0.0.0.0:0", HostPort(host: "0.0.0.0", port: 0)),
        ("localhost:65535", HostPort(host: "localhost", port: 65535)),
    ])
    func parsesHostPort(text: String, expected: HostPort) throws {
        #expect(try HostPort(parsing: text) == expected)
    }

    @Test func rejectsBadHostPorts() {
        #expect(throws: AddressParseError.missingPort("127.0.0.1")) { try HostPort(parsing: "127.0.0.1") }
        #expect(throws: AddressParseError.invalidPort("h:65536")) { try HostPort(parsing: "h:65536") }
        #expect(throws: AddressParseError.invalidPort("h:-1")) { try HostPort(parsing: "h:-1") }
        #expect(throws: AddressParseError.invalidPort("h:")) { try HostPort(parsing: "h:") }
        #expect(throws: AddressParseError.invalidPort("h: 80")) { try HostPort(parsing: "h: 80") }
        #expect(throws: AddressParseError.invalidHost(":80")) { try HostPort(parsing: ":80") }
        #expect(throws: AddressParseError.invalidHost("a b:80")) { try HostPort(parsing: "a b:80") }
        #expect(throws: AddressParseError.unbracketedIPv6("::1:80")) { try HostPort(parsing: "::1:80") }
        #expect(throws: AddressParseError.missingPort("[::1]")) { try HostPort(parsing: "[::1]") }
        #expect(throws: AddressParseError.invalidHost("[zz]:80")) { try HostPort(parsing: "[zz]:80") }
    }

    @Test func loopbackHosts() throws {
        for host in ["127.0.0.1", "127.255.0.9", "localhost", "::1"] {
            #expect(HostPort(host: host, port: 1).isLoopback, "\(host)")
        }
        for host in ["128.0.0.1", "127.0.0", "127.0.0.256", "localhost.example.com", "::2", "10.0.0.1"] {
            #expect(!HostPort(host: host, port: 1).isLoopback, "\(host)")
        }
    }

    @Test func parsesUpstreamTargets() throws {
        #expect(try UpstreamTarget(parsing: "127.0.0.1:9001") == UpstreamTarget(tls: false, address: HostPort(host: "127.0.0.1", port: 9001)))
        #expect(try UpstreamTarget(parsing: "https://api.internal") == UpstreamTarget(tls: true, address: HostPort(host: "api.internal", port: 443)))
        #expect(try UpstreamTarget(parsing: "HTTPS://[::1]:8443") == UpstreamTarget(tls: true, address: HostPort(host: "::1", port: 8443)))
        #expect(try UpstreamTarget(parsing: "http://h") == UpstreamTarget(tls: false, address: HostPort(host: "h", port: 80)))
        #expect(try UpstreamTarget(parsing: "https://api.internal:8443").description == "https://api.internal:8443")
    }

    @Test func rejectsBadUpstreamTargets() {
        #expect(throws: AddressParseError.pathNotAllowed("https://h/api")) { try UpstreamTarget(parsing: "https://h/api") }
        #expect(throws: AddressParseError.unsupportedScheme("ftp://h:21")) { try UpstreamTarget(parsing: "ftp://h:21") }
        #expect(throws: AddressParseError.invalidPort("h:0")) { try UpstreamTarget(parsing: "h:0") }
        #expect(throws: AddressParseError.invalidPort("https://h:0")) { try UpstreamTarget(parsing: "https://h:0") }
        #expect(throws: AddressParseError.missingPort("h")) { try UpstreamTarget(parsing: "h") }
        #expect(throws: AddressParseError.invalidHost("https://:443")) { try UpstreamTarget(parsing: "https://:443") }
    }
}
