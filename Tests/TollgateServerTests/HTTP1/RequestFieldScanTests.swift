import NIOHTTP1
import Testing
import TollgateCore
@testable import TollgateServer

/// `RequestFieldScan` reads in one pass what six header lookups read before;
/// NIO's own lookups (`first(name:)`, `headers[name]`) define the expected values.
@Suite("The request fields the core decides on, read in one pass")
struct RequestFieldScanTests {
    /// What the lookups it replaced gave.
    static func reference(_ headers: HTTPHeaders) -> RequestFieldScan.Snapshot {
        func several<T>(_ values: [String], _ one: (String) -> T, absent: T, many: T) -> T {
            values.isEmpty ? absent : values.count == 1 ? one(values[0]) : many
        }
        let requestHeaders = headers["access-control-request-headers"]
        return RequestFieldScan.Snapshot(
            host: headers.first(name: "host"),
            origin: headers.first(name: "origin"),
            authorization: several(headers["authorization"], { .one($0) }, absent: .absent, many: .several),
            dpop: several(headers["dpop"], { .one($0) }, absent: .absent, many: .several),
            accessControlRequestMethod: headers.first(name: "access-control-request-method"),
            accessControlRequestHeaders: requestHeaders.isEmpty ? nil : requestHeaders.joined(separator: ",")
        )
    }

    static let names = [
        "host", "Host", "HOST", "origin", "Origin", "dpop", "DPoP", "authorization", "Authorization", "AUTHORIZATION",
        "access-control-request-method", "Access-Control-Request-Method", "access-control-request-headers",
        "Access-Control-Request-Headers",
        // lookalikes: one byte off, one byte more or less, same length
        "hosts", "hos", "x-host", "hosu", "origins", "orig1n", "dpo", "dpopp", "authorizatio", "authorization2",
        "authorizatiom", "access-control-request-metho", "access-control-request-headerz", "accept", "cookie",
    ]

    @Test("2,000 random field lists read the same as NIO's lookups")
    func randomLists() {
        var random = SplitMix64(seed: 0x5EED_F1E1D)
        for _ in 0..<2_000 {
            var headers = HTTPHeaders()
            for index in 0..<Int.random(in: 0...9, using: &random) {
                headers.add(name: Self.names.randomElement(using: &random)!, value: "v\(index)-\(random.next() % 100)")
            }
            #expect(RequestFieldScan(headers).snapshot == Self.reference(headers), "\(headers)")
        }
    }

    @Test("first host and origin win; two Authorization or DPoP fields are several; request headers join in order")
    func repeats() {
        let headers = HTTPHeaders([
            ("Host", "a.example"), ("host", "b.example"), ("Origin", "https://one"), ("origin", "https://two"),
            ("Authorization", "Bearer x"), ("authorization", "Bearer y"), ("DPoP", "p1"), ("dpop", "p2"),
            ("Access-Control-Request-Headers", "a, b"), ("access-control-request-headers", "c"),
        ])
        let scan = RequestFieldScan(headers)
        #expect(scan.host == "a.example")
        #expect(scan.origin == "https://one")
        #expect(scan.authorization == .several)
        #expect(scan.dpop == .several)
        #expect(scan.accessControlRequestHeaders == "a, b,c")
    }

    @Test("none of the fields, or only lookalikes, reads as absent")
    func absent() {
        for headers in [HTTPHeaders(), HTTPHeaders([("X-Host", "a"), ("Authorization2", "b"), ("Origins", "c"), ("Dpo", "d")])] {
            let scan = RequestFieldScan(headers)
            #expect(scan.host == nil && scan.origin == nil && scan.accessControlRequestMethod == nil)
            #expect(scan.authorization == .absent && scan.dpop == .absent && scan.accessControlRequestHeaders == nil)
        }
    }
}

extension RequestFieldScan {
    /// The scan's values, comparable as one.
    struct Snapshot: Equatable {
        var host: String?
        var origin: String?
        var authorization: RequestFacts.Authorization
        var dpop: RequestFacts.DPoPHeader
        var accessControlRequestMethod: String?
        var accessControlRequestHeaders: String?
    }

    var snapshot: Snapshot {
        Snapshot(host: host, origin: origin, authorization: authorization, dpop: dpop,
                 accessControlRequestMethod: accessControlRequestMethod, accessControlRequestHeaders: accessControlRequestHeaders)
    }
}
