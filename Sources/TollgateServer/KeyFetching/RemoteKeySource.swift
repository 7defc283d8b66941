import Foundation
import TollgateCore

/// Where a remote issuer's keys come from, and how one fetch goes: a
/// `jwks_uri` is fetched directly; a `discovery_url` (OpenID Connect
/// discovery, RFC 8414) is fetched first, and its `jwks_uri` then. A set
/// with no usable key is a failed fetch, so the last good keys stay.
struct RemoteKeySource: Sendable {
    enum Location: Sendable, Equatable {
        case jwksURI(String)
        case discovery(String)
    }

    /// The issuer's configured name, for logs.
    let issuerName: String
    /// The exact `iss` a discovery document must name.
    let issuer: String
    let location: Location
    let caFile: String?

    /// How long one document may take.
    static let timeout = Duration.seconds(10)

    init?(_ issuer: CompiledIssuer) {
        guard let iss = issuer.config.issuer?.value else { return nil }
        switch issuer.config.keySource?.value {
        case .jwksURI(let url)?: location = .jwksURI(url)
        case .discoveryURL(let url)?: location = .discovery(url)
        case .jwksFile?, nil: return nil
        }
        issuerName = issuer.name
        self.issuer = iss
        caFile = issuer.config.caFile?.value
    }

    /// Fetches the current key set.
    func fetch(with client: FetchClient) async throws(KeyFetchError) -> JWKSet {
        let jwksURI: String
        switch location {
        case .jwksURI(let url):
            jwksURI = url
        case .discovery(let url):
            jwksURI = try await discoverJWKSURI(url, with: client)
        }
        let document: [UInt8]
        do {
            document = try await client.get(jwksURI, caFile: caFile, timeout: Self.timeout)
        } catch {
            throw .fetch(error)
        }
        let keys: JWKSet
        do {
            keys = try JWKSet(parsing: document)
        } catch {
            throw .unusableDocument(url: jwksURI, reason: error.description)
        }
        guard !keys.keys.isEmpty else {
            let reasons = keys.skipped.map(\.description).joined(separator: "; ")
            throw .unusableDocument(url: jwksURI, reason: "no usable key" + (reasons.isEmpty ? "" : " (\(reasons))"))
        }
        return keys
    }

    /// The discovery document's `jwks_uri`, after checking that the document
    /// names this issuer and that the URI is HTTPS (or plain http to loopback).
    private func discoverJWKSURI(_ url: String, with client: FetchClient) async throws(KeyFetchError) -> String {
        let body: [UInt8]
        do {
            body = try await client.get(url, caFile: caFile, timeout: Self.timeout)
        } catch {
            throw .fetch(error)
        }
        let document: JSONObject
        do {
            guard let object = try JSONParser.parse(body).objectValue else {
                throw KeyFetchError.unusableDocument(url: url, reason: "not a JSON object")
            }
            document = object
        } catch let error as KeyFetchError {
            throw error
        } catch {
            throw .unusableDocument(url: url, reason: "not JSON: \(error)")
        }
        if let named = document["issuer"], named.stringValue != issuer {
            throw .unusableDocument(url: url, reason: "its issuer is not '\(issuer)'")
        }
        guard let jwksURI = document["jwks_uri"]?.stringValue else {
            throw .unusableDocument(url: url, reason: "it has no jwks_uri")
        }
        if let problem = Self.fetchURLProblem(jwksURI) {
            throw .unusableDocument(url: url, reason: "its jwks_uri \(problem)")
        }
        return jwksURI
    }

    /// The rule config validation applies to configured URLs: https, or http to a loopback host.
    static func fetchURLProblem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "is not a URL"
        }
        switch scheme {
        case "https":
            return nil
        case "http":
            let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            return HostPort(host: bare, port: 80).isLoopback ? nil : "is plain http:// to a host that is not loopback"
        default:
            return "is not an https:// URL"
        }
    }
}

/// Why one fetch of an issuer's keys failed; the last good keys stay.
enum KeyFetchError: Error, CustomStringConvertible {
    case fetch(FetchError)
    case unusableDocument(url: String, reason: String)

    var description: String {
        switch self {
        case .fetch(let error): error.description
        case .unusableDocument(let url, let reason): "\(url): \(reason)"
        }
    }
}
