import Testing
import TollgateCore

@Suite("DPoP: htu normalisation (RFC 3986 §6)")
struct DPoPTargetURITests {
    static func normalized(_ text: String) -> String? { DPoPTargetURI(text)?.normalized }

    @Test("scheme and host case, default ports, empty path, query and fragment")
    func syntaxBasedNormalisation() {
        #expect(Self.normalized("HTTPS://API.Example.COM:443/a/b?x=1#f") == "https://api.example.com/a/b")
        #expect(Self.normalized("http://api.example.com:80") == "http://api.example.com/")
        #expect(Self.normalized("http://api.example.com:8080/") == "http://api.example.com:8080/")
        #expect(Self.normalized("https://api.example.com:80/") == "https://api.example.com:80/")
        #expect(Self.normalized("https://[::1]:443/x") == "https://[::1]/x")
    }

    @Test("percent-encodings: hex in upper case, unreserved characters decoded, others kept")
    func percentEncoding() {
        #expect(Self.normalized("https://h/a%2fb") == "https://h/a%2Fb")
        #expect(Self.normalized("https://h/%7Euser/%41") == "https://h/~user/A")
        #expect(Self.normalized("https://h/a%20b") == "https://h/a%20b")
        #expect(DPoPTargetURI("https://h/%7euser") == DPoPTargetURI("https://h/~user"))
    }

    @Test("the request side: origin and target, query dropped")
    func requestURI() {
        #expect(DPoPTargetURI(origin: "http://Gateway:80", target: "/r?q=1")?.normalized == "http://gateway/r")
        #expect(DPoPTargetURI(origin: "http://gateway", target: "*") == nil)
    }

    @Test("hostile or unusable URIs are refused")
    func refused() {
        for text in ["ftp://h/", "https:/h/x", "https://", "https://user@h/", "https://h:99999/", "https://h:8a/",
                     "https://h/%zz", "https://h/%4", "https://h/a b", "https://h/\u{7F}", "/relative", "https://h%41/"] {
            #expect(DPoPTargetURI(text) == nil, "\(text)")
        }
    }

    @Test("public_origin: scheme://host[:port] only")
    func origins() {
        #expect(DPoPTargetURI.origin("https://API.example.com:443") == "https://api.example.com")
        #expect(DPoPTargetURI.origin("https://api.example.com/") == "https://api.example.com")
        #expect(DPoPTargetURI.origin("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(DPoPTargetURI.origin("https://api.example.com/v1") == nil)
        #expect(DPoPTargetURI.origin("https://api.example.com?x") == nil)
        #expect(DPoPTargetURI.origin("api.example.com") == nil)
    }
}
