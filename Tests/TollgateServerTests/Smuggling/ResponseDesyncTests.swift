import NIOCore
import Testing

/// An upstream that misbehaves on its answer to a first client, behind a
/// pool of one connection, then a second client's request: the second client
/// must get its own response, never bytes the upstream sent for the first,
/// and a connection that misbehaved must be dropped, not pooled.
///
/// Each case runs twice: with the second client arriving after the first
/// exchange (the connection sits in the pool in between), and with the
/// second client already waiting for the pool's only connection when the
/// first response arrives (the connection is handed over at once).
@Suite("Response framing from a misbehaving upstream and pooled-connection desync", .serialized)
struct ResponseDesyncTests {
    static let firstBody = "path=/public/first"
    static let smuggledResponse = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\npath=/smuggled"

    /// What the first client may see.
    enum First {
        /// This status, and when given, exactly this body.
        case status(Int, body: String? = nil)
    }

    struct Case {
        var name: String
        var rule: String
        /// The first request (its method matters for HEAD).
        var method = "GET"
        /// The upstream's raw answer to the first request.
        var answer: String
        var close = false
        var first: First
        /// Whether the upstream connection stays usable for the second client.
        var reusable = false
    }

    static let cases: [Case] = [
        Case(name: "a body longer than its Content-Length, the rest a whole response", rule: "RFC 9112 §6.3 (6), §9.3.2",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: \(firstBody.utf8.count)\r\n\r\n\(firstBody)\(smuggledResponse)",
             first: .status(200, body: firstBody)),
        Case(name: "a body longer than its Content-Length, the rest the start of a head", rule: "RFC 9112 §6.3 (6)",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: \(firstBody.utf8.count)\r\n\r\n\(firstBody)HTTP/1.1 200 OK\r\nX-Leak: secret-of-the-first",
             first: .status(200, body: firstBody)),
        Case(name: "a body longer than its Content-Length, the rest junk", rule: "RFC 9112 §6.3 (6)",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: \(firstBody.utf8.count)\r\n\r\n\(firstBody)-and-more",
             first: .status(200, body: firstBody)),
        Case(name: "Content-Length and Transfer-Encoding", rule: "RFC 9112 §6.3 (3)",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\(smuggledResponse)",
             first: .status(502)),
        Case(name: "two different Content-Length fields", rule: "RFC 9112 §6.3 (5)",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: \(2 + smuggledResponse.utf8.count)\r\n\r\nok\(smuggledResponse)",
             first: .status(502)),
        Case(name: "a 204 with a body", rule: "RFC 9112 §6.3 (1)",
             answer: "HTTP/1.1 204 No Content\r\nContent-Length: \(smuggledResponse.utf8.count)\r\n\r\n\(smuggledResponse)",
             first: .status(204)),
        Case(name: "a 304 with a body", rule: "RFC 9112 §6.3 (1)",
             answer: "HTTP/1.1 304 Not Modified\r\nContent-Length: \(smuggledResponse.utf8.count)\r\n\r\n\(smuggledResponse)",
             first: .status(304)),
        Case(name: "a HEAD response with a body", rule: "RFC 9112 §6.3 (1)", method: "HEAD",
             answer: "HTTP/1.1 200 OK\r\nContent-Length: \(smuggledResponse.utf8.count)\r\n\r\n\(smuggledResponse)",
             first: .status(200)),
        Case(name: "a close-delimited body", rule: "RFC 9112 §6.3 (8)",
             answer: "HTTP/1.1 200 OK\r\n\r\n\(firstBody)", close: true,
             first: .status(200, body: firstBody)),
        Case(name: "Connection: close, but the upstream keeps the connection open", rule: "RFC 9112 §9.6",
             answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: \(firstBody.utf8.count)\r\n\r\n\(firstBody)",
             first: .status(200, body: firstBody)),
        Case(name: "1xx responses before the final one", rule: "RFC 9110 §15.2",
             answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: \(firstBody.utf8.count)\r\n\r\n\(firstBody)",
             first: .status(200, body: firstBody), reusable: true),
    ]

    @Test("the first client gets at most its own response; the second client its own, on a fresh upstream connection when the first misbehaved",
          arguments: cases.indices, [false, true])
    func misbehavingUpstream(index: Int, secondWaits: Bool) async throws {
        let testCase = Self.cases[index]
        let name = "\(testCase.name) (\(testCase.rule))\(secondWaits ? ", second client waiting" : "")"
        // A waiting second client needs the first answer held back until its request waits for the pool.
        let delay: TimeAmount = secondWaits ? .milliseconds(400) : .zero
        let script: RecordingUpstream.Script = { request in
            request.uri == "/public/first"
                ? .raw(testCase.answer, close: testCase.close, delay: delay)
                : .naming(request.uri)
        }
        try await SmugglingFixture.run(poolSize: 1, script: script) { fixture in
            let first = try RawHTTPConnection(port: fixture.port)
            try first.send("\(testCase.method) /public/first HTTP/1.1\r\nHost: a\r\n\r\n")
            let second = try RawHTTPConnection(port: fixture.port)
            if secondWaits {
                try await Task.sleep(for: .milliseconds(100))
                try second.send("GET /public/second HTTP/1.1\r\nHost: a\r\n\r\n")
            }
            let firstResponse = try first.readResponse(forHead: testCase.method == "HEAD")
            if case .status(let status, let body) = testCase.first {
                #expect(firstResponse.status == status, "\(name): first client got \(firstResponse.status) \(firstResponse.text)")
                if let body { #expect(firstResponse.text == body, "\(name): first client got \(firstResponse.text)") }
            }
            if !secondWaits {
                try await Task.sleep(for: .milliseconds(100))
                try second.send("GET /public/second HTTP/1.1\r\nHost: a\r\n\r\n")
            }
            let secondResponse = try second.readResponse()
            #expect(secondResponse.status == 200 && secondResponse.text == "path=/public/second",
                    "\(name): second client got \(secondResponse.status) \(secondResponse.headers) \(secondResponse.text)")
            #expect(!secondResponse.headers.contains { "\($0.0): \($0.1)".contains("first") || $0.1.contains("HTTP/1.1") },
                    "\(name): the second client's head holds the first's bytes: \(secondResponse.headers)")

            try await Task.sleep(for: .milliseconds(150))
            let requests = fixture.upstream.requests
            #expect(requests.map(\.uri) == ["/public/first", "/public/second"], "\(name): \(requests.map(\.uri))")
            if requests.count == 2 {
                if testCase.reusable {
                    #expect(requests[1].connection == requests[0].connection, "\(name): a well-behaved connection was not reused")
                } else {
                    #expect(requests[1].connection != requests[0].connection, "\(name): the misbehaving connection was reused")
                }
            }
        }
    }

    @Test("a response before any request: the connection that sent it never carries a second client's request")
    func unsolicitedResponse() async throws {
        try await SmugglingFixture.run(poolSize: 1, onConnect: .raw(Self.smuggledResponse)) { fixture in
            let first = try RawHTTPConnection.exchange(port: fixture.port, "GET /public/first HTTP/1.1\r\nHost: a\r\n\r\n")
            // Bytes that arrive before the request is written are refused (502); once it is
            // written, nothing tells them from its answer (RFC 9112 §9.3.2).
            #expect([502, 200].contains(first.status), "first client got \(first.status) \(first.text)")
            try await Task.sleep(for: .milliseconds(150))
            let second = try RawHTTPConnection.exchange(port: fixture.port, "GET /public/second HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(second.status == 200 && second.text == "path=/public/second", "second client got \(second.status) \(second.text)")
            let requests = fixture.upstream.requests
            #expect(requests.last?.uri == "/public/second")
            #expect(requests.last?.connection != 0, "the connection that answered before any request was reused")
        }
    }
}
