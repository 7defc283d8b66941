/// An RFC 7662 introspection response, parsed once by the server when it
/// arrives and handed to the core, which decides from it (`active`, `exp`,
/// `scope`, `client_id`, `sub`, forwarded members) as it does from a JWT's claims.
public struct IntrospectionResult: Sendable, Equatable {
    /// `active`: whether the authorization server considers the token valid now.
    public let active: Bool
    /// `exp`, in whole seconds since the epoch (rounded down), when the response states it.
    public let expiresAt: Int64?
    /// Every member of the response, read like a JWT's claims.
    public let members: JSONObject

    /// Parses a response body: a JSON object whose `active` is a boolean and
    /// whose `exp`, when present, is a number.
    public init(parsing body: [UInt8]) throws(IntrospectionResponseError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            throw .notJSON(error.description)
        }
        guard let members = value.objectValue else { throw .notAnObject }
        try self.init(members: members)
    }

    public init(members: JSONObject) throws(IntrospectionResponseError) {
        guard case .bool(let active)? = members["active"] else { throw .invalidMember("active", "is not a boolean") }
        var expiresAt: Int64?
        switch members["exp"] {
        case nil, .null?:
            expiresAt = nil
        case .number(let number)?:
            let bound = 1e15
            expiresAt = Int64(min(max(number.value, -bound), bound).rounded(.down))
        default:
            throw .invalidMember("exp", "is not a number")
        }
        self.active = active
        self.expiresAt = expiresAt
        self.members = members
    }
}

/// Why an introspection response could not be used; the request that waited
/// for it is answered 503, and the reason is logged.
public enum IntrospectionResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(String)
    case notAnObject
    case invalidMember(String, String)

    public var description: String {
        switch self {
        case .notJSON(let reason): "the introspection response is not JSON: \(reason)"
        case .notAnObject: "the introspection response is not a JSON object"
        case .invalidMember(let name, let problem): "the introspection response's \(name) \(problem)"
        }
    }
}
