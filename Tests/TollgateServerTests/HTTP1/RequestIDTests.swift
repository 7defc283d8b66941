import Testing
@testable import TollgateServer

/// `X-Request-Id`: which client ids are kept, and the shape of new ones.
@Suite("Request ids")
struct RequestIDTests {
    @Test("a new id is 32 lowercase hex digits, every digit position takes all 16 values, and 10,000 ids are distinct")
    func generated() {
        var ids = RequestID()
        var seen = Set<String>()
        var valuesAt = Array(repeating: Set<UInt8>(), count: 32)
        for _ in 0..<10_000 {
            let id = ids.generate()
            let bytes = Array(id.utf8)
            #expect(bytes.count == 32, "\(id)")
            #expect(bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, "\(id)")
            for (index, byte) in bytes.enumerated() where index < 32 { valuesAt[index].insert(byte) }
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        #expect(valuesAt.allSatisfy { $0.count == 16 })
    }

    @Test("two event loops' streams differ")
    func streamsDiffer() {
        var first = RequestID()
        var second = RequestID()
        #expect(first.generate() != second.generate())
    }

    @Test("a sane client id is kept as sent", arguments: ["abc", "4f1c2a-77", String(repeating: "x", count: 128), "!~{}"])
    func kept(value: String) {
        var ids = RequestID()
        #expect(ids.accepting(value) == value)
    }

    @Test("a missing, empty, too long or unprintable client id is replaced by a new one",
          arguments: [nil, "", String(repeating: "x", count: 129), "has space", "tab\there", "caf\u{E9}", "nul\u{0}", "del\u{7F}"])
    func replaced(value: String?) {
        var ids = RequestID()
        let id = ids.accepting(value)
        #expect(id != value)
        #expect(id.utf8.count == 32)
    }
}
