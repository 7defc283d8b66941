import Testing
import TollgateCore

@Suite struct ByteSizeParserTests {
    @Test(arguments: [
        ("16KiB", 16 * 1024),
        ("10MiB", 10 * 1024 * 1024),
        ("1GiB", 1 << 30),
        ("512B", 512),
        ("0", 0),
        ("1024", 1024),
        ("1.5KiB", 1536),
        ("0.5MiB", 512 * 1024),
    ])
    func parsesValidSizes(text: String, expected: Int) throws {
        #expect(try ByteSizeParser.parse(text) == expected)
    }

    @Test(arguments: ["1.5.3MiB", "10 MiB", "-1", "5x", "", "MiB", "1.5", "+5", "10kib", " 5", "1e3", "0x10", "5 "])
    func rejectsMalformedSizes(text: String) {
        #expect(throws: ByteSizeParseError.invalid(text)) { try ByteSizeParser.parse(text) }
    }

    @Test(arguments: ["10MB", "16KB", "1GB", "16K", "10M"])
    func decimalUnitsPointToBinaryOnes(text: String) {
        #expect(throws: ByteSizeParseError.decimalUnit(text)) { try ByteSizeParser.parse(text) }
    }

    @Test func fractionsOfAByteAndOverflowAreErrors() {
        #expect(throws: ByteSizeParseError.fractionalBytes("1.5B")) { try ByteSizeParser.parse("1.5B") }
        #expect(throws: ByteSizeParseError.fractionalBytes("0.0001KiB")) { try ByteSizeParser.parse("0.0001KiB") }
        #expect(throws: ByteSizeParseError.tooLarge("999999999999999999GiB")) { try ByteSizeParser.parse("999999999999999999GiB") }
    }
}
