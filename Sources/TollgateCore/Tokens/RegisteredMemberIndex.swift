/// The member names a verification looks up on every token: the claims
/// `JWTVerifier` reads and the header parameters `JOSEHeader` reads. A
/// `ScannedJSONObject` notes where each of them lies while it scans, so that
/// reading one is a table load instead of a walk over the members.
enum RegisteredName: String, CaseIterable, Sendable {
    case iss, sub, aud, exp, nbf, iat, scope, scp, azp, cnf
    case clientID = "client_id"
    case alg, kid, typ, cty, crit

    /// The registered name spelt by `bytes` (a member name as it appears
    /// between its quotes, without escapes), if any. Names are told apart by
    /// their bytes read as little-endian integers (`crit`, `scope` and
    /// `client_id` were compared through their `rawValue` strings: 355
    /// instructions a token more, callgrind, RS256, session 10).
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return nil }
        switch bytes.count {
        case 3:
            let packed = UInt32(base[0]) | UInt32(base[1]) << 8 | UInt32(base[2]) << 16
            switch packed {
            case 0x73_7369: self = .iss
            case 0x62_7573: self = .sub
            case 0x64_7561: self = .aud
            case 0x70_7865: self = .exp
            case 0x66_626E: self = .nbf
            case 0x74_6169: self = .iat
            case 0x70_6373: self = .scp
            case 0x70_7A61: self = .azp
            case 0x66_6E63: self = .cnf
            case 0x67_6C61: self = .alg
            case 0x64_696B: self = .kid
            case 0x70_7974: self = .typ
            case 0x79_7463: self = .cty
            default: return nil
            }
        case 4:
            guard UnsafeRawPointer(base).loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x7469_7263) else { return nil }
            self = .crit
        case 5:
            let packed = UInt64(UnsafeRawPointer(base).loadUnaligned(as: UInt32.self).littleEndian) | UInt64(base[4]) << 32
            guard packed == 0x65_706F_6373 else { return nil }
            self = .scope
        case 9:
            guard UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)) == 0x695F_746E_6569_6C63,
                base[8] == UInt8(ascii: "d")
            else { return nil }
            self = .clientID
        default:
            return nil
        }
    }
}

/// Where a scanned object's registered names lie: for each `RegisteredName`,
/// its member's position plus one (0: absent). Kept in one SIMD vector, so
/// building it allocates nothing. When some member name has escapes or
/// non-ASCII bytes (its text is only known decoded, `"\u0069ss"` is `iss`),
/// or the object has more members than a slot can number, the index is not
/// used and lookups walk the members as before.
struct RegisteredMemberIndex: Sendable {
    private var slots = SIMD16<UInt8>()
    /// Whether every member name was read as bytes, so the slots are the whole truth.
    private(set) var isComplete: Bool

    /// An index to fill with `note(_:at:)`, member by member.
    init() {
        isComplete = true
    }

    /// Notes that the member at `position` (below 255) is called `name`;
    /// false, noting nothing, when an earlier member already was: a duplicate.
    mutating func note(_ name: RegisteredName, at position: Int) -> Bool {
        guard slots[name.slot] == 0 else { return false }
        slots[name.slot] = UInt8(position + 1)
        return true
    }

    /// Indexes `members`, whose names lie in `bytes`, which have no duplicate names.
    init(_ members: [JSONCursor.MemberPosition], in bytes: UnsafeBufferPointer<UInt8>) {
        guard members.count < Int(UInt8.max) else {
            isComplete = false
            return
        }
        var complete = true
        for (position, member) in members.enumerated() {
            if member.nameNeedsDecoding {
                complete = false
            } else if let name = RegisteredName(UnsafeBufferPointer(rebasing: bytes[member.name])) {
                slots[name.slot] = UInt8(position + 1)
            }
        }
        isComplete = complete
    }

    /// The position among the members of `name`'s member, or `nil` when the object has none.
    /// Only meaningful when `isComplete`.
    func position(of name: RegisteredName) -> Int? {
        let slot = Int(slots[name.slot])
        return slot == 0 ? nil : slot - 1
    }
}

extension RegisteredName {
    /// This name's lane in `RegisteredMemberIndex`'s vector.
    fileprivate var slot: Int {
        switch self {
        case .iss: 0
        case .sub: 1
        case .aud: 2
        case .exp: 3
        case .nbf: 4
        case .iat: 5
        case .scope: 6
        case .scp: 7
        case .azp: 8
        case .cnf: 9
        case .clientID: 10
        case .alg: 11
        case .kid: 12
        case .typ: 13
        case .cty: 14
        case .crit: 15
        }
    }
}

/// A member name to look up: a registered one, found through the index, or any other, found by walking the members.
enum MemberKey: Sendable {
    case registered(RegisteredName)
    case other(String)

    init(_ name: String) {
        self = RegisteredName(rawValue: name).map(MemberKey.registered) ?? .other(name)
    }

    var name: String {
        switch self {
        case .registered(let name): name.rawValue
        case .other(let name): name
        }
    }
}
