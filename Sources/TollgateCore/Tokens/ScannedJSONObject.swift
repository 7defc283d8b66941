/// A JWT's claims (RFC 7519 §4) or a JWS's protected header (RFC 7515 §4):
/// a JSON object checked in full when the token is parsed (grammar, UTF-8,
/// numbers in range, duplicate names), whose members are decoded only when
/// read. A verification reads about eight claims and three header
/// parameters; building every name and value as a `JSONValue` and freeing it
/// again was about a third of the verifier's own cost next to an RS256 check
/// (micro-benchmark `TokenVerification`, `benchmarks/micro/README.md`).
public struct ScannedJSONObject: Sendable {
    private let payload: [UInt8]
    private let members: [JSONCursor.MemberPosition]
    /// Where the registered names lie: a verification's ten or so lookups were
    /// each a walk over the members, comparing names, about 0.6% of an RS256
    /// verification's samples (interleaved profile, session 7).
    private let index: RegisteredMemberIndex

    /// Checks `payload` as one JSON object with distinct member names.
    init(scanning payload: [UInt8]) throws(JSONParseError) {
        try self.init(scanning: payload, count: payload.count)
    }

    /// Checks the first `count` bytes of `bytes` as one JSON object with
    /// distinct member names (a token's payload, decoded in one array with its
    /// signature); `memo`, when given, lends the array the positions go into.
    init(scanning bytes: [UInt8], count: Int, memo: JOSEHeaderMemo? = nil) throws(JSONParseError) {
        payload = bytes
        var members = memo?.takeMemberBuffer() ?? []
        let scanned: Result<RegisteredMemberIndex, JSONParseError> = bytes.withUnsafeBufferPointer { bytes in
            var cursor = JSONCursor(UnsafeBufferPointer(rebasing: bytes[..<count]), maxDepth: JSONParser.defaultMaxDepth)
            return Result { () throws(JSONParseError) in try cursor.scanObjectMembers(into: &members) }
        }
        index = try scanned.get()
        self.members = members
        memo?.keepMemberBuffer(members)
    }

    /// Checks a token's decoded header or claims segment; what is not one
    /// JSON object with distinct names is `part`'s malformation, with the
    /// reason the full parser names (not JSON, a duplicate name, not an object).
    init(scanning segment: [UInt8], part: MalformedToken.Part) throws(TokenError) {
        try self.init(scanning: segment, count: segment.count, part: part)
    }

    /// `init(scanning:part:)` for the first `count` bytes of `bytes`.
    init(scanning bytes: [UInt8], count: Int, part: MalformedToken.Part, memo: JOSEHeaderMemo? = nil) throws(TokenError) {
        do {
            try self.init(scanning: bytes, count: count, memo: memo)
        } catch {
            _ = try CompactJWS.parseObject(Array(bytes[..<count]), part: part)
            throw .malformed(.notJSON(part))
        }
    }

    /// The number of members.
    public var count: Int { members.count }

    /// The value of member `name`, decoded.
    public subscript(name: String) -> JSONValue? {
        self[MemberKey(name)]
    }

    /// The value of the member `key` names, decoded.
    subscript(key: MemberKey) -> JSONValue? {
        guard let member = member(key) else { return nil }
        return payload.withUnsafeBufferPointer { bytes in
            // The scan has checked this value, so parsing it again cannot fail;
            // were it ever to (FuzzClaims compares the two), `null` fails every
            // claim check closed, where `nil` would read as an absent claim.
            (try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[member.value]))) ?? .null
        }
    }

    /// A member read in place, without the parser.
    public enum PlainRead<Value> {
        case absent
        case plain(Value)
        /// Present, but in a form only the subscript reads (escapes, non-ASCII, another type).
        case other
    }

    /// Whether member `name`, a string of printable ASCII without escapes, equals
    /// one of `candidates` (the UTF-8 of ASCII strings): compared as bytes, which for
    /// ASCII is what `String` equality means.
    func plainString(_ key: MemberKey, isOneOf candidates: [[UInt8]]) -> PlainRead<Bool> {
        withPlainText(key) { text in
            candidates.contains { $0.withUnsafeBufferPointer { JSONCursor.sameBytes($0, text) } }
        }
    }

    /// `plainString(_:isOneOf:)` for one candidate.
    func plainString(_ key: MemberKey, is candidate: [UInt8]) -> PlainRead<Bool> {
        withPlainText(key) { text in candidate.withUnsafeBufferPointer { JSONCursor.sameBytes($0, text) } }
    }

    /// Member `name` when it is a string of printable ASCII without escapes
    /// (no control character, no DEL), made straight from its bytes: the
    /// usual `sub`, `client_id`, `scope` and header parameters skip the parser.
    public func plainString(_ name: String) -> PlainRead<String> {
        plainString(MemberKey(name))
    }

    /// `plainString(_:)` for a member key.
    func plainString(_ key: MemberKey) -> PlainRead<String> {
        withPlainText(key, String.init(utf8Bytes:))
    }

    /// What `body` makes of member `name`'s characters, when it is a plain
    /// string as `plainString` reads one: the bytes in place, no `String` between.
    func withPlainText<Value>(_ key: MemberKey, _ body: (UnsafeBufferPointer<UInt8>) -> Value) -> PlainRead<Value> {
        guard let member = member(key) else { return .absent }
        return payload.withUnsafeBufferPointer { bytes -> PlainRead<Value> in
            guard let text = Self.plainText(of: member, in: bytes) else { return .other }
            return .plain(body(text))
        }
    }

    /// Whether member `key` is a plain string: printable ASCII without escapes.
    func isPlainString(_ key: MemberKey) -> Bool {
        member(key)?.valueIsPlainString ?? false
    }

    /// Member `name` as a string: made from its bytes when plain, else
    /// decoded; `.other` when it is present but not a string.
    func string(_ key: MemberKey) -> PlainRead<String> {
        switch plainString(key) {
        case .absent: .absent
        case .plain(let text): .plain(text)
        case .other: self[key]?.stringValue.map(PlainRead.plain) ?? .other
        }
    }

    /// Member `name` when it is a plain integer of at most 15 digits, as
    /// NumericDates are, read without building a `JSONNumber`.
    func plainInteger(_ key: MemberKey) -> PlainRead<Double> {
        guard let member = member(key) else { return .absent }
        return payload.withUnsafeBufferPointer { bytes in
            JSONCursor.exactInteger(UnsafeBufferPointer(rebasing: bytes[member.value])).map { .plain($0) } ?? .other
        }
    }

    /// The characters of a scanned string value between its quotes, when they
    /// are all printable ASCII without escapes (as the scan noted); nil otherwise.
    private static func plainText(of member: JSONCursor.MemberPosition, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard member.valueIsPlainString else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[(member.value.lowerBound + 1)..<(member.value.upperBound - 1)])
    }

    /// The member `key` names: a registered name through the index when it is
    /// complete, else by walking the members.
    private func member(_ key: MemberKey) -> JSONCursor.MemberPosition? {
        if case .registered(let name) = key, index.isComplete {
            return index.position(of: name).map { members[$0] }
        }
        return member(named: key.name)
    }

    /// The member called `name`: plain ASCII names compare as bytes, others
    /// as decoded text, so the lookup means what `String` equality means.
    private func member(named name: String) -> JSONCursor.MemberPosition? {
        var wanted = name
        return wanted.withUTF8 { wanted in
            payload.withUnsafeBufferPointer { bytes in
                var nameIsASCII = true
                for byte in wanted where byte >= 0x80 { nameIsASCII = false }
                let cursor = JSONCursor(bytes, maxDepth: JSONParser.defaultMaxDepth)
                for member in members {
                    if member.nameNeedsDecoding || !nameIsASCII {
                        if let decoded = try? cursor.decodedName(member), decoded == name { return member }
                    } else if JSONCursor.sameBytes(UnsafeBufferPointer(rebasing: bytes[member.name]), wanted) {
                        return member
                    }
                }
                return nil
            }
        }
    }
}
