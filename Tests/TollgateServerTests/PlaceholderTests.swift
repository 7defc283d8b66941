import Testing
@testable import TollgateServer
@Test func placeholder() { #expect(1 == 1) }
