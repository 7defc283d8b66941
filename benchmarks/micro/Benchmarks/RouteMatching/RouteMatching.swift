import Benchmark
import TollgateCore

/// One request to route: a checked target, its host and method.
struct Probe: Sendable {
    let target: RequestTarget
    let host: String
    let method: String
}

/// Route `i` of a generated table: four shapes, the last on 16 hosts.
func generatedEntry(_ i: Int) -> RouteTable.Entry {
    func pattern(_ text: String) -> RoutePattern {
        do { return try RoutePattern(parsing: text) } catch { fatalError("\(text): \(error)") }
    }
    func host(_ text: String) -> HostPattern {
        do { return try HostPattern(parsing: text) } catch { fatalError("\(text): \(error)") }
    }
    switch i % 4 {
    case 0:
        return RouteTable.Entry(pattern: pattern("/svc\(i % 10)/r\(i)"), methods: ["GET"])
    case 1:
        return RouteTable.Entry(pattern: pattern("/svc\(i % 10)/r\(i)/{id}"))
    case 2:
        return RouteTable.Entry(pattern: pattern("/svc\(i % 10)/r\(i)/**"), methods: ["POST"])
    default:
        return RouteTable.Entry(pattern: pattern("/t/r\(i)"), host: host("h\(i % 16).example.com"))
    }
}

func makeTable(_ count: Int) -> RouteTable {
    do { return try RouteTable((0..<count).map(generatedEntry)) } catch { fatalError("\(error)") }
}

/// 64 requests spread over the table, each matching route `i` of its shape.
func probes(for count: Int) -> [Probe] {
    (0..<64).map { k in
        let i = (k * 7919) % count
        let raw: String
        var host = "gateway.example.com:8443"
        var method = "GET"
        switch i % 4 {
        case 0: raw = "/svc\(i % 10)/r\(i)?page=2"
        case 1: raw = "/svc\(i % 10)/r\(i)/12345"
        case 2: raw = "/svc\(i % 10)/r\(i)/a/b/c"; method = "POST"
        default: raw = "/t/r\(i)"; host = "H\(i % 16).Example.com:443"
        }
        do { return Probe(target: try PathGuard.check(raw), host: host, method: method) } catch { fatalError("\(error)") }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    for count in [10, 1_000, 100_000] {
        let table = makeTable(count)
        let requests = probes(for: count)
        for probe in requests {
            guard case .route = table.lookup(host: probe.host, target: probe.target, method: probe.method).match else {
                fatalError("probe \(probe.target.raw) did not match")
            }
        }
        Benchmark("lookup, \(count) routes") { benchmark in
            var next = 0
            for _ in benchmark.scaledIterations {
                let probe = requests[next]
                blackHole(table.lookup(host: probe.host, target: probe.target, method: probe.method))
                next = (next + 1) & 63
            }
        }
    }

    let entries = (0..<100_000).map(generatedEntry)
    Benchmark(
        "compile, 100000 routes",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RouteTable(entries))
        }
    }

    let targets = ["/api/v1/apps/4f2c9a/items?limit=50&cursor=abc", "/", "/public/assets/app.3f9a.js"]
    Benchmark("PathGuard.check") { benchmark in
        var next = 0
        for _ in benchmark.scaledIterations {
            blackHole(try PathGuard.check(targets[next]))
            next = next == 2 ? 0 : next + 1
        }
    }
}
