/// The `clients:` section compiled: for an OAuth client listed there, the
/// origins its tokens may be used from, on top of the global/route CORS policy.
///
/// Only requests that carry `Origin` are checked (server-to-server calls send
/// none; the caller skips the check for them), and preflights are not (they
/// carry no token).
public struct ClientOriginPolicy: Sendable {
    private let matchers: [String: OriginMatcher]

    /// No client is listed: every client may be used from any origin the CORS policy allows.
    public static let unrestricted = ClientOriginPolicy(matchers: [:])

    /// Compiles each client's `allowed_origins`. A client listed twice has the
    /// union of its lists.
    public init(clients: [ClientConfig]) throws(CORSConfigError) {
        var origins: [String: [Located<String>]] = [:]
        for client in clients {
            origins[client.clientId.value, default: []].append(contentsOf: client.allowedOrigins)
        }
        var matchers: [String: OriginMatcher] = [:]
        for (clientId, allowed) in origins {
            do {
                matchers[clientId] = try OriginMatcher(allowedOrigins: allowed)
            } catch {
                throw .invalidOrigin(error)
            }
        }
        self.init(matchers: matchers)
    }

    private init(matchers: [String: OriginMatcher]) {
        self.matchers = matchers
    }

    /// Whether `clientId` has its own origin list.
    public func isListed(clientId: String) -> Bool {
        matchers[clientId] != nil
    }

    /// True when the token's client is not listed (or the token names none),
    /// or the request's `Origin` is in that client's `allowed_origins`.
    public func isAllowed(origin: String, clientId: String?) -> Bool {
        guard let clientId, let matcher = matchers[clientId] else { return true }
        return matcher.matches(origin)
    }
}
