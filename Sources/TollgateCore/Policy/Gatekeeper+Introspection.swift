/// Step 7 for opaque tokens: an RFC 7662 answer judged as a JWT's claims are.
extension Gatekeeper {
    /// `active: false` and an `exp` in the past (beyond the issuer's leeway)
    /// are invalid tokens; otherwise `scope` (or the issuer's `scope_claim`,
    /// else `scp`), `client_id` (or `client_id_claim`) and `sub` make the
    /// principal, and `forward.headers` read the response's members.
    func principal(from result: IntrospectionResult, issuerIndex: Int) -> Authentication {
        let issuer = snapshot.issuers[issuerIndex]
        guard result.active else {
            return .refused(Self.invalidToken("the token is not active (introspection)"), .refused(.inactive))
        }
        if let expiresAt = result.expiresAt, now - issuer.config.leeway.components.seconds >= expiresAt {
            return .refused(Self.invalidToken(TokenError.expired.description), .refused(.expired))
        }
        let members = result.members
        let scopeNames = issuer.config.scopeClaim.map { [$0] } ?? ["scope", "scp"]
        let clientIDName = issuer.config.clientIdClaim ?? "client_id"
        guard let scopes = Self.scopes(in: members, names: scopeNames) else {
            return .refused(Self.invalidToken("the introspection response's scope is neither a string nor an array of strings"), .refused(.invalidClaim))
        }
        let clientID = members[clientIDName]?.stringValue
        let confirmation: TokenConfirmation?
        do {
            confirmation = try TokenConfirmation(claims: members)
        } catch {
            return .refused(
                Self.invalidToken("the introspection response's \(error.description.dropFirst("the token's ".count))"),
                .refused(.invalidClaim)
            )
        }
        var identity: [HeaderField] = []
        for header in snapshot.config.forward.headers {
            let value: String?
            if scopeNames.contains(header.claim) {
                value = scopes.isEmpty ? nil : scopes.joined(separator: " ")
            } else if header.claim == clientIDName {
                value = clientID
            } else {
                value = Self.headerValue(members[header.claim])
            }
            guard let value else { continue }
            if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                return .refused(
                    Self.invalidToken("the introspection response's \(header.claim) contains a control character and cannot be forwarded"),
                    .refused(.invalidClaim)
                )
            }
            identity.append(HeaderField(name: header.name.value, value: value))
        }
        let principal = Principal(
            introspection: result,
            issuer: issuer.name,
            issuerIndex: issuerIndex,
            subject: members["sub"]?.stringValue,
            clientID: clientID,
            granted: snapshot.scopes.granted(by: scopes),
            identityHeaders: identity,
            confirmation: confirmation
        )
        return .accepted(principal, .accepted(principal, cache: .miss))
    }

    /// The first of `names` present: a space-delimited string or an array of
    /// strings; none present is no scope; any other shape is nil.
    private static func scopes(in members: JSONObject, names: [String]) -> [String]? {
        for name in names {
            switch members[name] {
            case nil, .null?:
                continue
            case .string(let text)?:
                return ScopeString.split(text)
            case .array(let elements)?:
                var scopes: [String] = []
                for element in elements {
                    guard let scope = element.stringValue else { return nil }
                    if !scope.isEmpty { scopes.append(scope) }
                }
                return scopes
            default:
                return nil
            }
        }
        return []
    }

    /// A member as a header value: strings as they are, arrays joined by spaces, anything else as JSON text.
    private static func headerValue(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: nil
        case .string(let text)?: text
        case .array(let elements)?: elements.map { $0.stringValue ?? $0.jsonText }.joined(separator: " ")
        case let other?: other.jsonText
        }
    }
}
