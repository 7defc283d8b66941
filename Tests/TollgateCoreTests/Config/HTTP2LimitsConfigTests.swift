import Testing
import TollgateCore

/// The `limits.http2_*` keys: secure defaults, values read, bad values refused with their position.
@Suite struct HTTP2LimitsConfigTests {
    typealias F = ConfigFixtures

    @Test func defaultsWhenAbsent() throws {
        let limits = try F.load(F.minimal).config.limits
        #expect(limits.http2MaxConcurrentStreams == 100)
        #expect(limits.http2MaxResetFrames == 200)
        #expect(limits.http2MaxControlFrames == 200)
        #expect(limits.http2FloodWindow == .seconds(30))
        #expect(limits.http2MaxContinuationFrames == 5)
        #expect(limits.http2MaxBufferedControlFrames == 1000)
    }

    @Test func valuesAreRead() throws {
        let yaml = F.minimal + """
            limits:
              http2_max_concurrent_streams: 16
              http2_max_reset_frames: 40
              http2_max_control_frames: 50
              http2_flood_window: 10s
              http2_max_continuation_frames: 2
              http2_max_buffered_control_frames: 64

            """
        let limits = try F.load(yaml).config.limits
        #expect(limits.http2MaxConcurrentStreams == 16)
        #expect(limits.http2MaxResetFrames == 40)
        #expect(limits.http2MaxControlFrames == 50)
        #expect(limits.http2FloodWindow == .seconds(10))
        #expect(limits.http2MaxContinuationFrames == 2)
        #expect(limits.http2MaxBufferedControlFrames == 64)
    }

    @Test func badValuesAreRefusedWithTheirPosition() {
        F.expectError(F.minimal + "limits:\n  http2_max_concurrent_streams: 0\n", at: 5, 33, containing: "expected a positive integer")
        F.expectError(F.minimal + "limits:\n  http2_max_reset_frames: -3\n", at: 5, 27, containing: "expected a positive integer")
        F.expectError(F.minimal + "limits:\n  http2_max_control_frames: lots\n", at: 5, 29, containing: "expected a positive integer")
        F.expectError(F.minimal + "limits:\n  http2_max_concurrent_streams: 2147483648\n", at: 5, 33, containing: "must be at most 2147483647")
        F.expectError(F.minimal + "limits:\n  http2_flood_window: 0s\n", at: 5, 23, containing: "must be longer than zero")
        F.expectError(F.minimal + "limits:\n  http2_max_streams: 10\n", at: 5, 3, containing: "http2_max_streams")
    }
}
