import Foundation
import TollgateCore

/// Reads the `jwks_file` of every issuer that names one, when a config is
/// started or reloaded. Issuers with remote keys get nil until fetched.
public enum KeyFiles {
    public static func load(_ snapshot: GatewaySnapshot) throws -> [JWKSet?] {
        try snapshot.issuers.map { issuer -> JWKSet? in
            guard case .jwksFile(let path) = issuer.config.keySource?.value else { return nil }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw KeyFileError(issuer: issuer.name, path: path, reason: "\(error.localizedDescription)")
            }
            do {
                return try JWKSet(parsing: Array(data))
            } catch {
                throw KeyFileError(issuer: issuer.name, path: path, reason: "\(error)")
            }
        }
    }
}

/// A `jwks_file` that could not be read or parsed.
struct KeyFileError: Error, CustomStringConvertible {
    var issuer: String
    var path: String
    var reason: String

    var description: String { "issuer '\(issuer)': cannot load keys from \(path): \(reason)" }
}
