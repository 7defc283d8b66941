/// Checks the lines of an HTTP/1.1 head or trailer section as its bytes
/// arrive, for both of the gateway's parsers (`HTTP1RequestParser`,
/// `UpstreamResponseParser`): every line ends in CRLF (no bare LF, no CR
/// without LF) and holds no NUL. It remembers how far it got, so each read
/// only checks the bytes that are new.
struct HTTP1SectionScan {
    /// Why a section's bytes are refused.
    enum Fault {
        case bareLF
        case loneCR
        case nul

        /// What the fault is, in a user's words, for a section named `what`.
        func reason(in what: some CustomStringConvertible) -> String {
            switch self {
            case .bareLF: "a line of the \(what) ends in a bare LF"
            case .loneCR: "a CR not followed by LF in the \(what)"
            case .nul: "a NUL byte in the \(what)"
            }
        }
    }

    enum Outcome {
        /// The section ends here: its length with the empty line, and the lines before that one.
        case complete(length: Int, lines: Int)
        /// Not complete yet; `scanned` bytes checked.
        case incomplete
        case refused(Fault)
    }

    /// How far the current section has been checked (bytes from the reader index).
    private(set) var scanned = 0
    /// Where the line being checked starts (bytes from the reader index).
    private var lineStart = 0
    /// Lines complete so far in the section being checked.
    private var lines = 0

    /// Checks `raw` (the section's bytes from its start, the ones checked
    /// before included) on from where the last call stopped. A complete
    /// section starts the scan of the next one afresh.
    mutating func scan(_ raw: UnsafeRawBufferPointer) -> Outcome {
        var index = scanned
        while index < raw.count {
            // Eight bytes with no CR, LF or NUL (nor anything else below 0x0E)
            // after a byte that is not CR need no look at each byte.
            if index + ByteWord.width <= raw.count, index == 0 || raw[index - 1] != UInt8(ascii: "\r"),
               !ByteWord.hasByte(ByteWord.load(raw, at: index), below: 0x0E) {
                index += ByteWord.width
                continue
            }
            let byte = raw[index]
            if byte == UInt8(ascii: "\n") {
                guard index > 0, raw[index - 1] == UInt8(ascii: "\r") else { return .refused(.bareLF) }
                if index - 1 == lineStart {
                    let outcome = Outcome.complete(length: index + 1, lines: lines)
                    self = HTTP1SectionScan()
                    return outcome
                }
                lines += 1
                lineStart = index + 1
            } else if index > 0, raw[index - 1] == UInt8(ascii: "\r") {
                return .refused(.loneCR)
            } else if byte == 0 {
                return .refused(.nul)
            }
            index += 1
        }
        scanned = index
        return .incomplete
    }

    /// Where the line from `start` ends: its CR, in a section this scan
    /// completed (every line of it ends in CRLF).
    static func lineEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index + ByteWord.width <= raw.count,
              !ByteWord.hasByte(ByteWord.load(raw, at: index), equalTo: UInt8(ascii: "\r")) {
            index += ByteWord.width
        }
        while raw[index] != UInt8(ascii: "\r") { index += 1 }
        return index
    }
}
