import TollgateCore

/// libFuzzer entry point for the `Authorization` header parser
/// (`BearerCredential`): the input is the header's value. A token it reads
/// must be non-empty, carry no surrounding spaces, and come from a value whose
/// scheme is `Bearer` in some case followed by a space.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuthorization(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let value = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    switch BearerCredential(.one(value)) {
    case .token(let token):
        guard !token.isEmpty, token.first != " ", token.last != " " else {
            fatalError("a token with surrounding spaces or none at all: \(value.debugDescription)")
        }
        guard value.utf8.count > 7, value.prefix(7).lowercased() == "bearer " else {
            fatalError("a token read from a value that is not 'Bearer <token>': \(value.debugDescription)")
        }
        _ = CompactJWS.isJWTShaped(token)
    case .invalid(let reason):
        guard value.lowercased().hasPrefix("bearer") else { fatalError("\(reason) for a non-bearer value: \(value.debugDescription)") }
    case .absent:
        break
    }
    return 0
}
