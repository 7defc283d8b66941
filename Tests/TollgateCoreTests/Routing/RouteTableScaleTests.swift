import Testing
@testable import TollgateCore

@Suite("RouteTable at scale")
struct RouteTableScaleTests {
    /// Route `i` of a generated table: four shapes, the last on 64 hosts.
    static func generatedEntry(_ i: Int) throws -> RouteTable.Entry {
        switch i % 4 {
        case 0: try entry("/s\(i / 1000)/r\(i)", methods: ["GET"])
        case 1: try entry("/s\(i / 1000)/r\(i)/{id}")
        case 2: try entry("/s\(i / 1000)/r\(i)/**", methods: ["POST"])
        default: try entry("/t/r\(i)", host: "h\(i % 64).example.com")
        }
    }

    @Test("100,000 generated routes compile and a sample of them matches")
    func hundredThousandRoutes() throws {
        let count = 100_000
        let entries = try (0..<count).map(Self.generatedEntry)
        let clock = ContinuousClock()
        var routes: RouteTable?
        let elapsed = try clock.measure { routes = try RouteTable(entries) }
        let table = try #require(routes)
        print("RouteTable: compiled \(count) routes in \(elapsed) (debug build)")
        #expect(table.count == count)
        #expect(table.routeIndicesInPriorityOrder.count == count)
        #expect(Set(table.routeIndicesInPriorityOrder).count == count)

        for i in stride(from: 0, to: count, by: 389) {
            let group = i / 1000
            switch i % 4 {
            case 0:
                #expect(try table.route("/s\(group)/r\(i)") == i)
                #expect(try table.route("/s\(group)/r\(i)", method: "HEAD") == i)
                #expect(try table.lookup("/s\(group)/r\(i)", method: "PUT").match == .methodNotAllowed([.get, .head]))
            case 1:
                #expect(try table.route("/s\(group)/r\(i)/abc", method: "DELETE") == i)
                #expect(try table.lookup("/s\(group)/r\(i)/abc/def").match == .notFound)
            case 2:
                #expect(try table.route("/s\(group)/r\(i)/a/b", method: "POST") == i)
                #expect(try table.route("/s\(group)/r\(i)", method: "POST") == i)
                #expect(try table.lookup("/s\(group)/r\(i)/a").match == .methodNotAllowed([.post]))
            default:
                #expect(try table.route("/t/r\(i)", host: "H\(i % 64).example.com:443") == i)
                #expect(try table.lookup("/t/r\(i)", host: "h\((i + 1) % 64).example.com").match == .notFound)
            }
            #expect(try table.lookup("/s\(group)/r\(i + 1_000_000)").match == .notFound)
        }
    }
}
