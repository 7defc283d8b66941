import Testing
import TollgateCore

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("30s", .seconds(30)),
        ("5m", .seconds(300)),
        ("1h", .seconds(3600)),
        ("1.5s", .milliseconds(1500)),
        ("0.25h", .seconds(900)),
        ("0s", .zero),
        ("1.5ms", .microseconds(1500)),
        ("007s", .seconds(7)),
    ])
    func parsesValidDurations(text: String, expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["10 s", " 10s", "10s ", "-1s", "+1s", "5x", "s", "1.5.3s", "", "1.s", ".5s", "1e3s", "10S", "1sec", "10ms5", "٣s", "5mss"])
    func rejectsMalformedDurations(text: String) {
        #expect(throws: DurationParseError.invalid(text)) { try DurationParser.parse(text) }
    }

    @Test func aBareNumberSuggestsAUnit() {
        #expect(throws: DurationParseError.missingUnit("30")) { try DurationParser.parse("30") }
        #expect(DurationParseError.missingUnit("30").description == "'30' has no unit: write 30s, 30ms, 30m or 30h")
    }

    @Test func absurdlyLargeDurationsAreRejectedNotOverflowed() {
        #expect(throws: DurationParseError.tooLarge("999999999999999999h")) { try DurationParser.parse("999999999999999999h") }
        #expect(throws: DurationParseError.invalid("9999999999999999999s")) { try DurationParser.parse("9999999999999999999s") }
    }
}
