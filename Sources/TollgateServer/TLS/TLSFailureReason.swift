import NIOSSL

/// Turns what swift-nio-ssl reports about a failed upstream handshake into the
/// short reason an `error_description` and a log line carry: BoringSSL's
/// reason code without its error-stack noise (source paths, numeric codes).
enum TLSFailureReason {
    static func describe(_ error: Error, host: String) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "its certificate is not valid for \(host)"
        }
        let codes = reasonCodes(in: "\(error)")
        if codes.contains("CERTIFICATE_VERIFY_FAILED") {
            return "its certificate did not verify (expired, not yet valid, or not issued by a trusted CA)"
        }
        if let first = codes.first {
            return "the handshake failed (\(codes.count == 1 ? first : codes.joined(separator: ", ")))"
        }
        return "\(error)"
    }

    /// `…:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …` → `CERTIFICATE_VERIFY_FAILED`.
    private static func reasonCodes(in text: String) -> [String] {
        let marker = "OPENSSL_internal:"
        var codes: [String] = []
        var rest = text[...]
        while let range = rest.range(of: marker) {
            let code = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !code.isEmpty, !codes.contains(String(code)) { codes.append(String(code)) }
            rest = rest[range.upperBound...]
        }
        return codes
    }
}
