import TollgateCore

/// libFuzzer entry point for the `Authorization` header parser
/// (`AuthorizationCredential`): the input is the header's value. A token it
/// reads must be non-empty, carry no surrounding spaces, and come from a value
/// whose scheme is `Bearer` or `DPoP` in some case followed by a space.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuthorization(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let value = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch AuthorizationCredential(.one(value)) {
    case .bearer(let token):
        check(token, readFrom: value, scheme: "bearer ")
    case .dpop(let token):
        check(token, readFrom: value, scheme: "dpop ")
    case .invalid(let reason):
        let lowered = value.lowercased()
        guard lowered.hasPrefix("bearer") || lowered.hasPrefix("dpop") else {
            fatalError("\(reason) for a value of another scheme: \(value.debugDescription)")
        }
    case .absent:
        break
    }
    return 0
}

private func check(_ token: Substring, readFrom value: String, scheme: String) {
    guard !token.isEmpty, token.first != " ", token.last != " " else {
        fatalError("a token with surrounding spaces or none at all: \(value.debugDescription)")
    }
    // Bytes, not Characters: a combining mark after the space joins it in one grapheme.
    guard value.utf8.count > scheme.utf8.count,
          String(decoding: value.utf8.prefix(scheme.utf8.count), as: UTF8.self).lowercased() == scheme
    else {
        fatalError("a token read from a value that is not '\(scheme)<token>': \(value.debugDescription)")
    }
    _ = CompactJWS.isJWTShaped(String(token))
}
