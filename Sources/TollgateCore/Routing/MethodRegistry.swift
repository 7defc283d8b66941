/// The method names one `RouteTable` knows: the standard ones with their fixed
/// bits, and every other token its routes name, each given the next free bit.
struct MethodRegistry: Sendable {
    /// Non-standard tokens in the order they were first named; token `i` has bit
    /// `MethodSet.firstExtensionBit + i`.
    private(set) var extensions: [String] = []

    /// The bit for `name`, handing out a new one for a token not seen before.
    mutating func intern(_ name: String) throws(RouteTableError) -> MethodSet {
        guard Self.isToken(name) else { throw .invalidMethod(name) }
        if let known = set(for: name) { return known }
        guard extensions.count < MethodSet.extensionCapacity else {
            throw .tooManyMethods(limit: MethodSet.extensionCapacity, rejected: name)
        }
        extensions.append(name)
        return MethodSet(rawValue: 1 << UInt64(MethodSet.firstExtensionBit + extensions.count - 1))
    }

    /// The bit for a request's method, or an empty set for a token no route names
    /// (only routes allowing any method accept it). Does not allocate.
    @inline(__always)
    func set(for name: String) -> MethodSet? {
        if let standard = MethodSet.standardMethod(named: name) { return standard }
        for index in extensions.indices where extensions[index] == name {
            return MethodSet(rawValue: 1 << UInt64(MethodSet.firstExtensionBit + index))
        }
        return nil
    }

    /// The names of the methods in `set`, standard ones first in their usual order.
    func names(in set: MethodSet) -> [String] {
        var names = MethodSet.standard.filter { set.contains($0.set) }.map(\.name)
        for index in extensions.indices
        where set.contains(MethodSet(rawValue: 1 << UInt64(MethodSet.firstExtensionBit + index))) {
            names.append(extensions[index])
        }
        return names
    }

    /// RFC 9110 `token`: one or more `tchar`.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
                 UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                 UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
    }
}
