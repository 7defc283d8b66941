/// A problem in a `cors:` section (global or a route's) or in `clients:`
/// origins, with where it was written; `description` is the message `check`
/// prints after `PATH:LINE:COLUMN:`.
public enum CORSConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidOrigin(OriginError)
    /// `allowed_origins: ["*"]` with `allow_credentials: true`: any site could
    /// make credentialed requests.
    case wildcardOriginWithCredentials(SourceLocation)
    case invalidMethod(String, SourceLocation)
    case invalidHeaderName(String, SourceLocation)
    case negativeMaxAge(SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .invalidOrigin(let error): error.location
        case .wildcardOriginWithCredentials(let location),
             .invalidMethod(_, let location),
             .invalidHeaderName(_, let location),
             .negativeMaxAge(let location):
            location
        }
    }

    public var description: String {
        switch self {
        case .invalidOrigin(let error):
            error.description
        case .wildcardOriginWithCredentials:
            "allowed_origins: [\"*\"] cannot be combined with allow_credentials: true; list the origins instead"
        case .invalidMethod(let method, _):
            "'\(method)' is not an HTTP method name"
        case .invalidHeaderName(let name, _):
            "'\(name)' is not an HTTP header name"
        case .negativeMaxAge:
            "max_age cannot be negative"
        }
    }
}
