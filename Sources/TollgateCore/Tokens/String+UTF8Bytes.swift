extension String {
    /// The text of the UTF-8 bytes `bytes`, invalid sequences repaired as
    /// `String(decoding:as:)` does, copied in through
    /// `init(unsafeUninitializedCapacity:)`: for a six-scope `scope` claim that
    /// was 370 against 440 ns per split (standalone `-O` loop, session 7).
    init(utf8Bytes bytes: UnsafeBufferPointer<UInt8>) {
        self.init(unsafeUninitializedCapacity: bytes.count) { out in
            _ = out.initialize(fromContentsOf: bytes)
            return bytes.count
        }
    }
}
