import ArgumentParser
import Foundation
import TollgateCore

/// The files `token` and `dpop-proof` read (private keys, JWK or PEM) and write (tokens, proofs, JWKS).
enum CommandFile {
    /// The key in `path`; a problem is a `ValidationError` naming `option`.
    static func signingKey(_ path: String, option: String) throws -> SigningKey {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(option) \(path): \(error.localizedDescription)")
        }
        do {
            if text.contains("-----BEGIN") { return try SigningKey(pem: text) }
            return try SigningKey(jwkJSON: text)
        } catch {
            throw ValidationError("\(option) \(path): \(error)")
        }
    }

    /// Writes `text` to `path`; a problem is a `ValidationError` naming `option`.
    static func write(_ text: String, to path: String, option: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(option) \(path): \(error.localizedDescription)")
        }
    }
}
