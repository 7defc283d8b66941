import TollgateCore

/// libFuzzer entry point for `JSONParser`, the strict parser behind every JOSE
/// header, claim set and JWK Set: arbitrary bytes in. Whatever it accepts must
/// survive a round trip through `jsonText` unchanged (same members, same order,
/// numbers as written), or the harness traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let value = try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let text = value.jsonText
    guard let reparsed = try? JSONParser.parse(text) else {
        fatalError("the parser refused its own output: \(text)")
    }
    guard reparsed == value else { fatalError("round trip changed the value: \(text)") }
    return 0
}
