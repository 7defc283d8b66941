import NIOCore
import NIOPosix
import Testing
@testable import TollgateServer

/// `ConnectionSweep`: one loop's connection deadlines checked together. The
/// sweep is driven with explicit times (`sweep(now:)`) on a real event loop
/// (a member is added and removed on its loop).
@Suite("Connection sweep")
struct ConnectionSweepTests {
    /// A connection whose deadline a test sets, recording when the sweep told it.
    final class Member: SweptConnection {
        let name: String
        var sweepIndex = -1
        var nextCheck: NIODeadline
        var told: [NIODeadline] = []
        /// What the connection does when told (closing, in a real one).
        var whenTold: ((Member) -> Void)?

        init(_ name: String, due: NIODeadline) {
            self.name = name
            self.nextCheck = due
        }

        func deadlinePassed(now: NIODeadline) {
            told.append(now)
            nextCheck = .distantFuture
            whenTold?(self)
        }
    }

    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static func at(_ seconds: Int64) -> NIODeadline {
        start + .seconds(seconds)
    }

    /// Runs `body` on an event loop with a new sweep of that loop.
    static func onLoop<Result: Sendable>(
        _ body: @escaping @Sendable (ConnectionSweep<Member>) throws -> Result
    ) async throws -> Result {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return try await loop.submit {
            try body(ConnectionSweep<Member>(eventLoop: loop))
        }.get()
    }

    @Test("a member is told once, at the first sweep at or after its deadline; members not due are not told")
    func toldOnceWhenDue() async throws {
        let told = try await Self.onLoop { sweep in
            let members = [Member("1s", due: Self.at(1)), Member("2s", due: Self.at(2)), Member("never", due: .distantFuture)]
            for member in members { sweep.add(member) }
            sweep.sweep(now: Self.at(0))
            sweep.sweep(now: Self.at(1))
            sweep.sweep(now: Self.at(1) + .milliseconds(500))
            sweep.sweep(now: Self.at(3))
            return members.map { "\($0.name): \($0.told.map { ($0 - Self.start).nanoseconds / 1_000_000 })" }
        }
        #expect(told == ["1s: [1000]", "2s: [3000]", "never: []"])
    }

    @Test("a member removed before the sweep (its client closed) is not told; the others keep their places")
    func removedMembersAreNotTold() async throws {
        let (told, indices, count) = try await Self.onLoop { sweep in
            let members = (0..<6).map { Member("m\($0)", due: Self.at(1)) }
            for member in members { sweep.add(member) }
            sweep.add(members[2])
            // First, middle and last: each removal moves the last member into the gap.
            for index in [0, 3, 5] { sweep.remove(members[index]) }
            sweep.remove(members[3])
            sweep.sweep(now: Self.at(2))
            return (members.map(\.told.count), members.map(\.sweepIndex), sweep.count)
        }
        #expect(told == [0, 1, 1, 0, 1, 0])
        #expect(count == 3)
        #expect(indices[0] == -1 && indices[3] == -1 && indices[5] == -1)
        #expect(Set([indices[1], indices[2], indices[4]]) == [0, 1, 2])
    }

    @Test("members that close when told leave the sweep without upsetting it; a closed member can be watched again")
    func membersClosingDuringTheSweep() async throws {
        let (told, count, rejoined) = try await Self.onLoop { sweep in
            let members = (0..<5).map { Member("m\($0)", due: $0 % 2 == 0 ? Self.at(1) : Self.at(5)) }
            for member in members {
                member.whenTold = { sweep.remove($0) }
                sweep.add(member)
            }
            sweep.sweep(now: Self.at(2))
            let afterFirst = sweep.count
            sweep.sweep(now: Self.at(6))
            members[0].nextCheck = Self.at(7)
            sweep.add(members[0])
            sweep.sweep(now: Self.at(8))
            return (members.map(\.told.count), afterFirst, members[0].told.count)
        }
        #expect(told == [2, 1, 1, 1, 1])
        #expect(count == 2)
        #expect(rejoined == 2)
    }

    @Test("the sweep runs by itself while it has members")
    func sweepsOnItsOwn() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let toldAt = loop.makePromise(of: Int.self)
        try await loop.submit {
            let sweep = ConnectionSweep<Member>(eventLoop: loop)
            let member = Member("past", due: .uptimeNanoseconds(0))
            member.whenTold = { member in
                sweep.remove(member)
                toldAt.succeed(member.told.count)
            }
            sweep.add(member)
        }.get()
        #expect(try await toldAt.futureResult.get() == 1)
    }
}
