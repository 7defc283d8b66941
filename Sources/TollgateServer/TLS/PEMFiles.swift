import Foundation
import NIOSSL
import TollgateCore

/// Reads the PEM files that TLS settings name, turning every way they can be
/// wrong (missing, unreadable, no PEM block, a key that does not parse) into a
/// `TLSFileError` that names the setting and the file.
enum PEMFiles {
    /// Every certificate in the file, leaf first for a chain; at least one.
    static func certificates(_ path: Located<String>, setting: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        let bytes = try contents(path, setting: setting)
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw failure(path, setting, "it holds no PEM certificate (BEGIN CERTIFICATE)")
        }
        do {
            return try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw failure(path, setting, "a PEM certificate in it does not parse (\(error))")
        }
    }

    /// The one private key in the file (RSA or ECDSA, PKCS#1, SEC1 or PKCS#8; not encrypted).
    static func privateKey(_ path: Located<String>, setting: String) throws(TLSFileError) -> NIOSSLPrivateKey {
        let bytes = try contents(path, setting: setting)
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw failure(path, setting, "it holds no usable PEM private key (an unencrypted RSA or EC key is expected)")
        }
    }

    private static func contents(_ path: Located<String>, setting: String) throws(TLSFileError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.value, isDirectory: &isDirectory) else {
            throw failure(path, setting, "no such file (relative paths are resolved against the working directory)")
        }
        guard !isDirectory.boolValue else { throw failure(path, setting, "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path.value) else {
            throw failure(path, setting, "it cannot be read")
        }
        return Array(data)
    }

    static func failure(_ path: Located<String>, _ setting: String, _ reason: String) -> TLSFileError {
        TLSFileError(setting: setting, path: path.value, location: path.location, reason: reason)
    }
}
