import TollgateCore

/// libFuzzer entry point for JWK Set parsing: the body of a `jwks_uri`
/// response, which whoever answers that URL controls. Every member must end up
/// either as a key or as a skipped entry with a reason, and each usable key's
/// `kid` must be found again by `indices(ofKeyID:)`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWKS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let set = try? JWKSet(parsing: bytes) else { return 0 }
    guard case .array(let members)? = (try? JSONParser.parse(bytes))?.objectValue?["keys"],
          members.count == set.keys.count + set.skipped.count
    else {
        fatalError("keys (\(set.keys.count)) and skipped (\(set.skipped.count)) do not account for every member")
    }
    for (index, key) in set.keys.enumerated() {
        if let keyID = key.keyID, !set.indices(ofKeyID: keyID).contains(index) {
            fatalError("key \(index) with kid \(keyID) is not found by its kid")
        }
        guard set.contains(key.identity) else { fatalError("key \(index) is not in its own set") }
    }
    for skipped in set.skipped { _ = skipped.description }
    return 0
}
