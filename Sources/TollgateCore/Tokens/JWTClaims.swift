/// The claims of a JWT (RFC 7519 §4): a JSON object checked in full when the
/// token is parsed (grammar, UTF-8, duplicate names), whose members are decoded
/// only when read. A verification reads about eight claims; building every
/// name and value as a `JSONValue` and freeing it again was about a third of
/// the verifier's own cost next to an RS256 check (micro-benchmark
/// `TokenVerification`, `benchmarks/micro/README.md`).
public struct JWTClaims: Sendable {
    private let payload: [UInt8]
    private let members: [JSONCursor.MemberPosition]

    /// Checks `payload` as one JSON object with distinct member names.
    init(payload: [UInt8]) throws(JSONParseError) {
        self.payload = payload
        let scanned: Result<[JSONCursor.MemberPosition], JSONParseError> = payload.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(bytes, maxDepth: JSONParser.defaultMaxDepth)
            return Result { () throws(JSONParseError) in try cursor.scanObjectMembers() }
        }
        members = try scanned.get()
    }

    /// The number of claims.
    public var count: Int { members.count }

    /// The value of claim `name`, decoded.
    public subscript(name: String) -> JSONValue? {
        guard let member = member(named: name) else { return nil }
        return payload.withUnsafeBufferPointer { bytes in
            // The scan has checked this value, so parsing it again cannot fail;
            // were it ever to (FuzzClaims compares the two), `null` fails every
            // claim check closed, where `nil` would read as an absent claim.
            (try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[member.value]))) ?? .null
        }
    }

    /// A claim read in place, without decoding it.
    enum PlainRead<Value> {
        case absent
        case plain(Value)
        /// Present, but in a form only the subscript reads (escapes, non-ASCII, another type).
        case other
    }

    /// Whether claim `name`, a string of printable ASCII without escapes, equals
    /// one of `candidates`, which must all be ASCII: compared as bytes, which for
    /// ASCII is what `String` equality means.
    func plainString(_ name: String, isOneOf candidates: some Collection<String>) -> PlainRead<Bool> {
        guard let member = member(named: name) else { return .absent }
        return payload.withUnsafeBufferPointer { bytes -> PlainRead<Bool> in
            let value = bytes[member.value]
            guard value.count >= 2, value.first == UInt8(ascii: "\"") else { return .other }
            let text = UnsafeBufferPointer(rebasing: value.dropFirst().dropLast())
            guard !text.contains(where: { $0 >= 0x80 || $0 == UInt8(ascii: "\\") }) else { return .other }
            for candidate in candidates {
                var candidate = candidate
                if candidate.withUTF8({ $0.elementsEqual(text) }) { return .plain(true) }
            }
            return .plain(false)
        }
    }

    /// Claim `name` when it is a plain integer of at most 15 digits, as
    /// NumericDates are, read without building a `JSONNumber`.
    func plainInteger(_ name: String) -> PlainRead<Double> {
        guard let member = member(named: name) else { return .absent }
        return payload.withUnsafeBufferPointer { bytes in
            JSONCursor.exactInteger(UnsafeBufferPointer(rebasing: bytes[member.value])).map { .plain($0) } ?? .other
        }
    }

    /// The member called `name`: plain ASCII names compare as bytes, others
    /// as decoded text, so the lookup means what `String` equality means.
    private func member(named name: String) -> JSONCursor.MemberPosition? {
        let nameIsASCII = name.utf8.allSatisfy { $0 < 0x80 }
        var wanted = name
        return wanted.withUTF8 { wanted in
            payload.withUnsafeBufferPointer { bytes in
                let cursor = JSONCursor(bytes, maxDepth: JSONParser.defaultMaxDepth)
                for member in members {
                    if member.nameNeedsDecoding || !nameIsASCII {
                        if let decoded = try? cursor.decodedName(member), decoded == name { return member }
                    } else if UnsafeBufferPointer(rebasing: bytes[member.name]).elementsEqual(wanted) {
                        return member
                    }
                }
                return nil
            }
        }
    }
}
