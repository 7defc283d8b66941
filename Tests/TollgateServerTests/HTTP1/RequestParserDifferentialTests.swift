import NIOCore
import NIOHTTP1
import Testing
@testable import TollgateServer

/// Our request parser against NIO's `HTTPRequestDecoder` (llhttp), which it
/// replaced, over a corpus (the parser tests' cases, the smuggling and
/// malformed-request tests' requests with their followers) and 5,000 seeded
/// mutations of it: for every input both give the same parts, or ours
/// refuses it for one of the reasons listed in `stricterByDesign`, no later
/// than NIO's decoder stops (stricter is fine; looser is not). Field values
/// are compared without trailing whitespace, which llhttp keeps and RFC 9112
/// §5 excludes from a value (ours strips it). Run by hand with 40,000
/// mutations under seeds 0x5EED_0002 and 0x5EED_0003 too: no difference
/// outside the list (the first found a `Content-Length` in a trailer
/// section, which llhttp refuses and ours now refuses as well).
@Suite("HTTP/1.1 request parser against NIO's decoder")
struct RequestParserDifferentialTests {
    /// Why our parser may refuse what llhttp lets through, by the start of our refusal's reason.
    static let stricterByDesign: [(reason: String, why: String)] = [
        ("the request line does not start with a known method", "llhttp also takes RTSP methods and PRI (then refuses their versions, or not)"),
        ("a request line without a request target", "llhttp skips several spaces after the method (RFC 9112 §3: one SP)"),
        ("the request line does not end with", "one SP, then HTTP/1.1 or HTTP/1.0 (llhttp takes more spaces, and other versions NIO refuses later)"),
        ("a request target that is not a path", "an empty authority (llhttp takes http:///), or a path after CONNECT's authority"),
        ("a request target with a byte other than visible ASCII", "RFC 3986 has no obs-text, tab or DEL in a URI; llhttp takes some"),
        ("a line of the request head ends in a bare LF", "RFC 9112 §2.2 lets a recipient refuse it; it is a smuggling vector"),
        ("a CR not followed by LF", "RFC 9112 §2.2: a lone CR is refused, or replaced by SP; we refuse"),
        ("a NUL byte in the", "no field, target or method holds a NUL (RFC 9110 §5.5)"),
        ("a control character in a field value", "RFC 9110 §5.5: VCHAR, obs-text, SP and HTAB only"),
        ("a field line starting with whitespace", "obs-fold: RFC 9112 §5.2 lets a recipient refuse it"),
        ("a field name that is not a token", "RFC 9110 §5.1; whitespace before the colon, RFC 9112 §5.1"),
        ("a field line without a name and a colon", "RFC 9112 §5"),
        ("a bare LF before a request", "RFC 9112 §2.2 allows skipping empty lines (CRLF) before a request; llhttp skips a lone LF too"),
        ("a CR not followed by LF before a request", "as above, for a lone CR"),
        ("more than one Content-Length", "several fields or a list, even of equal values (RFC 9110 §8.6 lets a recipient refuse)"),
        ("a Content-Length that is not digits", "RFC 9110 §8.6: 1*DIGIT"),
        ("an empty Content-Length", "RFC 9110 §8.6: 1*DIGIT"),
        ("a Content-Length followed by whitespace", "llhttp refuses it too, except in places"),
        ("a Content-Length too large", "2^63 bytes or more: llhttp counts to 2^64 - 1; no body that size is real"),
        ("a transfer coding after chunked", "RFC 9112 §6.1: chunked is applied once and last (llhttp takes chunked twice)"),
        ("a Transfer-Encoding whose last coding is not chunked", "RFC 9112 §6.3 (4): 400 for a request"),
        ("both Content-Length and Transfer-Encoding", "RFC 9112 §6.3 (3): a recipient may refuse it"),
        ("a chunk size", "RFC 9112 §7.1: 1*HEXDIG, extensions without whitespace, each line CRLF"),
        ("chunk data not followed by CRLF", "RFC 9112 §7.1"),
        ("bytes after a request that closes the connection",
         "llhttp goes on after an HTTP/1.0 request with both keep-alive and close; the proxy handler closes after it"),
        ("a framing field (Content-Length or Transfer-Encoding) in the trailer section",
         "RFC 9110 §6.5.1; llhttp refuses a Content-Length there, and takes a Transfer-Encoding"),
        ("the request head is larger", "the whole head counts toward the bound, not only the target, names and values"),
        ("the trailer section is larger", "as for the head"),
    ]

    static var corpus: [[UInt8]] {
        var inputs = (HTTP1RequestParserTests.good + HTTP1RequestParserTests.bad).map(\.bytes)
        inputs += RequestFramingTests.cases.map { Array(($0.0.request + RequestFramingTests.follower).utf8) }
        inputs += SmugglingTests.attacks.map { Array(($0.request + SmugglingTests.follower).utf8) }
        inputs += MalformedRequestTests.cases.map { Array($0.1.utf8) }
        return inputs
    }

    static let interestingBytes: [UInt8] = Array("\r\n :;,\t0159aAfFgxX-/.HTP?*\"=".utf8) + [0, 0x7F, 0x80, 0xFF]

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = Int.random(in: 0...max(0, bytes.count - 1), using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[position] = interestingBytes.randomElement(using: &random)!
            case 1:
                bytes.insert(Bool.random(using: &random) ? interestingBytes.randomElement(using: &random)! : .random(in: 0...255, using: &random),
                             at: min(position, bytes.count))
            case 2:
                let token = MutatedStreamTests.tokens.randomElement(using: &random)!
                bytes.insert(contentsOf: Array(token.utf8), at: min(position, bytes.count))
            default:
                if !bytes.isEmpty { bytes.remove(at: position) }
            }
        }
        return bytes
    }

    enum Verdict {
        case same
        case stricter(String)
        case differs(String)
    }

    static func compare(_ input: [UInt8], completed: Bool = false) throws -> Verdict {
        let ours = RequestParserRun([input])
        var nios = try NIORequestDecoderRun(input).parsed
        nios.trimFieldValues()
        if ours.parsed == nios { return .same }
        let stopsNoLater = nios.parts.starts(with: ours.parsed.parts)
        if !ours.parsed.refused, nios.refused, stopsNoLater, !completed {
            // llhttp refused at a bad byte of a line ours has not seen the end of: the line
            // completed, ours must refuse it, or parse it as llhttp does.
            return try compare(input + Array("\r\n\r\n".utf8), completed: true)
        }
        if ours.parsed.refused, nios.refused, stopsNoLater { return .same }
        if ours.parsed.refused, stopsNoLater, let reason = ours.error?.reason,
           stricterByDesign.contains(where: { reason.hasPrefix($0.reason) }) {
            return .stricter(reason)
        }
        if let keepAlive = closesWhereNIOKeepsAlive(ours.parsed, nios) { return keepAlive }
        let shown = String(decoding: input, as: UTF8.self).debugDescription
        return .differs("\(shown): ours \(ours.parsed) (\(ours.error?.reason ?? "accepted")), NIO's \(nios)")
    }

    /// `HTTPHeaders.isKeepAlive` (which judges our heads) reads a repeated
    /// `keep-alive` as `close`, where llhttp's flags (which judged NIO's) keep
    /// the connection: the same parts otherwise, and ours the more careful.
    static func closesWhereNIOKeepsAlive(_ ours: ParsedRequest, _ nios: ParsedRequest) -> Verdict? {
        guard ours.parts.count <= nios.parts.count, !ours.parts.isEmpty else { return nil }
        var closes = false
        for (mine, theirs) in zip(ours.parts, nios.parts) where mine != theirs {
            guard case .head(let method, let uri, let version, let fields, false) = mine,
                  theirs == .head(method: method, uri: uri, version: version, fields: fields, keepAlive: true)
            else { return nil }
            closes = true
        }
        return closes ? .stricter("keep-alive judged by HTTPHeaders.isKeepAlive") : nil
    }

    @Test("the corpus and 5,000 seeded mutations: the same parts as NIO's decoder, or a refusal listed as stricter by design")
    func agreesWithNIO() throws {
        var random = SplitMix64(seed: 0x2E0_0E57)
        let corpus = Self.corpus
        var samples = corpus
        for _ in 0..<5000 {
            samples.append(Self.mutate(corpus.randomElement(using: &random)!, using: &random))
        }
        var same = 0
        var stricter: [String: Int] = [:]
        var differences: [String] = []
        for sample in samples {
            switch try Self.compare(sample) {
            case .same: same += 1
            case .stricter(let reason): stricter[reason, default: 0] += 1
            case .differs(let what): differences.append(what)
            }
        }
        print("request differential: \(samples.count) inputs, \(same) alike, stricter: \(stricter.sorted { $0.key < $1.key })")
        #expect(differences.isEmpty, "\(differences.count) differences, first: \(differences.prefix(8).joined(separator: "\n"))")
        #expect(same > samples.count / 2, "most inputs should parse alike: \(same) of \(samples.count)")
    }
}
