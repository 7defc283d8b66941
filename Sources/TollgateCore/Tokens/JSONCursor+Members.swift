#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A top-level object read as member positions instead of values: the
/// grammar is checked in full, but no name or scalar value is copied out.
/// `ScannedJSONObject` decodes only the members a verification reads.
extension JSONCursor {
    /// One member: where its name (without quotes) and its value lie.
    struct MemberPosition: Sendable {
        let name: Range<Int>
        let value: Range<Int>
        /// The name has an escape or a non-ASCII byte, so it is compared as
        /// decoded text (Swift's `String` equality is canonical equivalence).
        let nameNeedsDecoding: Bool
        /// The value is a string of printable ASCII (no control character,
        /// no DEL) without escapes: its bytes between the quotes are its text.
        /// Noted by the scan, which looks at every byte anyway: checking again
        /// on each read (`iss`, `aud`, `sub`, `scope`, `client_id`, header
        /// parameters) was 590 instructions a token (callgrind, RS256, session 10).
        let valueIsPlainString: Bool
    }

    /// Reads one JSON object (the whole text, after optional whitespace) as
    /// member positions, rejecting duplicate names as `JSONParser` does, and
    /// where its registered names lie. The positions go into `members`, an
    /// empty array whose capacity may be reused.
    mutating func scanObjectMembers(into members: inout [MemberPosition]) throws(JSONParseError) -> RegisteredMemberIndex {
        skipWhitespace()
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[index] == UInt8(ascii: "{") else { throw error(.unexpectedByte) }
        index += 1
        members.reserveCapacity(16)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            try scanMembers(into: &members)
        }
        skipWhitespace()
        guard isAtEnd else { throw error(.trailingContent) }
        return try rejectDuplicateNames(members)
    }

    private mutating func scanMembers(into members: inout [MemberPosition]) throws(JSONParseError) {
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error(.unexpectedByte) }
            let nameStart = index + 1
            let nameNeedsDecoding = try skipString()
            let name = nameStart..<(index - 1)
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[index] == UInt8(ascii: ":") else { throw error(.unexpectedByte) }
            index += 1
            skipWhitespace()
            let valueStart = index
            let valueIsPlainString = try skipValue(depth: 1)
            members.append(MemberPosition(
                name: name, value: valueStart..<index, nameNeedsDecoding: nameNeedsDecoding, valueIsPlainString: valueIsPlainString
            ))
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default:
                throw error(.unexpectedByte)
            }
        }
    }

    /// Moves past one value, checking it as the parser does. Strings, whole
    /// numbers, literals and arrays of them are only scanned; other numbers are
    /// converted (to refuse what is out of range), and a nested object is
    /// parsed, so that its duplicate names are refused too. Returns whether
    /// the value is a plain string (`MemberPosition.valueIsPlainString`).
    @discardableResult
    private mutating func skipValue(depth: Int) throws(JSONParseError) -> Bool {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        switch bytes[index] {
        case UInt8(ascii: "\""): return try !skipString()
        case UInt8(ascii: "{"): _ = try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): try skipArray(depth: depth + 1)
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            let whole = try scanNumber()
            // A number the parser would refuse (one beyond `Double`'s range, such as
            // 1e999) is refused here too: found by FuzzClaims, which compares the two.
            // A whole number of up to 300 characters is within range, so NumericDates
            // are not read twice here (290 instructions a token, callgrind, session 10).
            if !whole || index - start > 300 {
                index = start
                _ = try parseNumber()
            }
        default: throw error(.unexpectedByte)
        }
        return false
    }

    private mutating func skipArray(depth: Int) throws(JSONParseError) {
        guard depth <= maxDepth else { throw error(.tooDeep) }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try skipValue(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default:
                throw error(.unexpectedByte)
            }
        }
    }

    /// Moves past a string starting at its opening quote; returns whether its
    /// bytes are not plain printable ASCII (DEL is not). Plain ASCII is only scanned;
    /// anything else (escapes, UTF-8) goes through `parseString`, which checks it fully.
    private mutating func skipString() throws(JSONParseError) -> Bool {
        let quote = index
        index += 1
        if let base = bytes.baseAddress {
            // Eight bytes a step until one of them needs a look; most of a
            // claim set is plain string bytes (`scope`, `iss`, `sub`). The first
            // special byte is where the lowest flag is: a closing quote ends the
            // string there, without the byte-by-byte walk to it: 700 of the
            // 1,940 instructions a token's scan spent here (callgrind, RS256, session 8).
            while index + 8 <= bytes.count {
                let special = Self.specialStringBytes(UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)))
                if special == 0 {
                    index += 8
                    continue
                }
                index += special.trailingZeroBitCount / 8
                if bytes[index] == UInt8(ascii: "\"") {
                    index += 1
                    return false
                }
                break
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return false
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x7F || byte < 0x20 { break }
            index += 1
        }
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        index = quote
        _ = try parseString()
        return true
    }

    /// The high bit of each byte of `word` (first byte lowest) that may be a
    /// quote, a backslash, a control character, DEL or not ASCII; zero when
    /// none is (the classic "has a zero byte" bit test, exact for presence when
    /// no byte is ≥ 0x80, which the first term tests; DEL and above set the high
    /// bit of `word + 0x01…01`, whose only carry out of a byte comes from 0xFF,
    /// itself flagged). The lowest flag is exact: a test flags a byte falsely
    /// only through a borrow or carry from a special byte below it.
    static func specialStringBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let control = (word &- ones &* 0x20) & ~word
        let quote = (quotes &- ones) & ~quotes
        let backslash = (backslashes &- ones) & ~backslashes
        return (word | (word &+ ones) | control | quote | backslash) & highs
    }

    /// Plain ASCII names compare as bytes: a registered name is a duplicate
    /// when its slot in the index is taken already, and cannot equal any other
    /// name, so only the others are compared with each other (comparing every
    /// pair was 0.4% of an RS256 verification's samples, session 7). With any
    /// other name, all are decoded and compared as text, and past a dozen
    /// members a set keeps a hostile object linear. Returns the index of the
    /// registered names.
    private func rejectDuplicateNames(_ members: [MemberPosition]) throws(JSONParseError) -> RegisteredMemberIndex {
        if members.count <= Self.linearDuplicateCheckLimit, !members.contains(where: \.nameNeedsDecoding) {
            var index = RegisteredMemberIndex()
            // Bit i: member i's name is not registered (a dozen members fit).
            var unregistered: UInt16 = 0
            for later in members.indices {
                let name = UnsafeBufferPointer(rebasing: bytes[members[later].name])
                if let registered = RegisteredName(name) {
                    guard index.note(registered, at: later) else { throw duplicateName(members[later]) }
                    continue
                }
                for earlier in 0..<later where unregistered & (1 << earlier) != 0
                    && Self.sameBytes(name, UnsafeBufferPointer(rebasing: bytes[members[earlier].name])) {
                    throw duplicateName(members[later])
                }
                unregistered |= 1 << later
            }
            return index
        }
        var seen = Set<String>()
        for member in members {
            let name = try decodedName(member)
            guard seen.insert(name).inserted else {
                throw JSONParseError(reason: .duplicateMember(name), offset: member.name.lowerBound - 1)
            }
        }
        return RegisteredMemberIndex(members, in: bytes)
    }

    private func duplicateName(_ member: MemberPosition) -> JSONParseError {
        let name = UnsafeBufferPointer(rebasing: bytes[member.name])
        return JSONParseError(reason: .duplicateMember(String(decoding: name, as: UTF8.self)), offset: member.name.lowerBound - 1)
    }

    /// The text of a member's name.
    func decodedName(_ member: MemberPosition) throws(JSONParseError) -> String {
        guard member.nameNeedsDecoding else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[member.name]), as: UTF8.self)
        }
        var cursor = JSONCursor(UnsafeBufferPointer(rebasing: bytes[(member.name.lowerBound - 1)...]), maxDepth: maxDepth)
        return try cursor.parseString()
    }

    /// Byte equality for member names (and the header memo's encoded headers):
    /// length first, then the bytes, in place for claim-sized names and by
    /// `memcmp` beyond. The generic `elementsEqual`
    /// the lookups used was 0.5% of an RS256 verification's samples and the
    /// lookup around it 0.9%; a `memcmp` call per three-letter name (`iss`,
    /// `exp`, `aud`… share one length) was then 2.7% of an HS256
    /// verification's (`perf`, micro-benchmark). The duplicate-name check
    /// used `elementsEqual` too (1.6% of HS256's, session 6).
    static func sameBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let first = a.baseAddress, let second = b.baseAddress else { return true }
        if a.count > 16 { return memcmp(first, second, a.count) == 0 }
        for index in 0..<a.count where first[index] != second[index] { return false }
        return true
    }
}
