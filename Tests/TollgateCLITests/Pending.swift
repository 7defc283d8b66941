import Testing

@Test func cliTestsPending() { #expect(Bool(true)) }
