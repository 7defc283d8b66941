import Testing

/// A seeded mutation run through the real gateway: request streams built
/// from `RequestFramingTests`' cases, each mutated a few times (framing bytes
/// swapped in, tokens inserted, ranges deleted or repeated), sent on their own
/// connections to one gateway in front of a one-connection pool. Whatever the
/// gateway makes of them, the upstream's bytes must be whole requests both
/// reference parsers agree on, only ever for `/public/`, and no client may
/// read a response for a request the upstream never received, and the
/// gateway must stay up.
@Suite("Mutated request streams through the gateway")
struct MutatedStreamTests {
    static let streams = 500
    static let seed: UInt64 = 0x5A5E_D5EE_D006

    static let bytes: [UInt8] = Array("\r\n:; ,\t0aG\u{0}-".utf8)
    static let tokens: [String] = [
        "\r\n", "\n", "\r", " ", "Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n", "Content-Length: 0\r\n",
        "0\r\n\r\n", "5\r\nhello\r\n", "Connection: close\r\n", "Expect: 100-continue\r\n", "Host: b\r\n",
        RequestFramingTests.smuggled, "HTTP/1.0", " HTTP/1.1\r\n",
    ]

    /// Four seeds, run side by side: the load is what made a client's close
    /// land inside an exchange's end (the second crash this run found).
    @Test("no mutated stream makes the upstream read an undecided or ambiguous request", arguments: [Self.seed, 1, 2, 3])
    func mutatedStreams(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let seeds = RequestFramingTests.cases.map { Array(($0.0.request + RequestFramingTests.follower).utf8) }
        var answered: [String] = []
        try await SmugglingFixture.run(poolSize: 1) { fixture in
            var previous: [UInt8] = []
            for index in 0..<Self.streams {
                var stream = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0...(random.next() % 4) { Self.mutate(&stream, &random) }
                // Read until the gateway closes or falls silent (it may wait for bytes a mutation took away).
                guard let connection = try? RawHTTPConnection(port: fixture.port, receiveTimeout: .milliseconds(250)) else {
                    Issue.record("the gateway stopped accepting connections after stream \(index - 1):\n\(UpstreamTranscript.printable(previous))\n\(Self.crashReport(fixture.gateway.stderr))")
                    return
                }
                previous = stream
                try? connection.send(stream)
                while let response = try? connection.readResponse() {
                    if response.status == 200, response.text.hasPrefix("path=") { answered.append(String(response.text.dropFirst(5))) }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            let transcript = fixture.upstream.transcript()
            switch transcript.agreedRequests() {
            case .success(let (requests, cutOff)):
                let targets = requests.map(\.target)
                print("mutated streams: \(Self.streams), forwarded \(targets.count) (\(cutOff.count) cut off), answered 200 \(answered.count), upstream connections \(transcript.connections.count)")
                #expect(targets.allSatisfy { $0.hasPrefix("/public") }, "\(targets.filter { !$0.hasPrefix("/public") })")
                // A request the gateway stopped writing mid-way (its client left or broke the body) was decided all the same.
                #expect(cutOff.allSatisfy { $0.contains(" /public") }, "\(cutOff)")
                var unmatched = targets
                for target in answered {
                    if let index = unmatched.firstIndex(of: target) {
                        unmatched.remove(at: index)
                    } else {
                        Issue.record("a client read a response for \(target), which the upstream never received (or not that often)")
                    }
                }
            case .failure(let problem):
                Issue.record("\(problem)")
            }
        }
    }

    /// The start of a crash report in the gateway's stderr (its first lines name the cause).
    static func crashReport(_ stderr: String) -> String {
        guard let start = stderr.range(of: "Fatal error") ?? stderr.range(of: "Crash") else { return String(stderr.suffix(2000)) }
        return String(stderr[start.lowerBound...].prefix(6000))
    }

    static func mutate(_ stream: inout [UInt8], _ random: inout SplitMix64) {
        guard !stream.isEmpty else { return }
        let at = Int(random.next() % UInt64(stream.count))
        switch random.next() % 4 {
        case 0:
            stream[at] = bytes[Int(random.next() % UInt64(bytes.count))]
        case 1:
            stream.insert(contentsOf: Array(tokens[Int(random.next() % UInt64(tokens.count))].utf8), at: at)
        case 2:
            stream.removeSubrange(at..<min(stream.count, at + 1 + Int(random.next() % 8)))
        default:
            let end = min(stream.count, at + 1 + Int(random.next() % 40))
            stream.insert(contentsOf: stream[at..<end], at: end)
        }
    }
}
