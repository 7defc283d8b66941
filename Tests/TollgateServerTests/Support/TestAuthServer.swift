import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import TollgateCore

/// An authorization server stand-in on 127.0.0.1 for integration tests,
/// serving what each test sets and counting what it was asked:
/// - `GET /jwks`: the current JWK Set (or the failure status a test set), after an optional delay;
/// - `GET /.well-known/openid-configuration`: a discovery document naming
///   `issuer` and this server's `/jwks`;
/// - `POST /introspect`: the answer set for the form's `token` (default
///   `{"active": false}`), after an optional delay or held until the test
///   releases it, recording the Authorization header.
final class TestAuthServer: Sendable {
    struct State {
        var keys: [SigningKey] = []
        /// When set, `/jwks` answers this status with no keys.
        var jwksFailureStatus: Int?
        var jwksDelay: TimeAmount = .zero
        var jwksRequests = 0
        var discoveryRequests = 0
        var introspectionAnswers: [String: String] = [:]
        var introspectionDelay: TimeAmount = .zero
        /// While true, `/introspect` answers wait in `heldIntrospectionAnswers` until `releaseIntrospection()`.
        var introspectionHeld = false
        var heldIntrospectionAnswers: [@Sendable () -> Void] = []
        var introspectionCalls: [(token: String, authorization: String?)] = []
        var connections: [Channel] = []
    }

    /// The state, shared with the handlers on the event loop.
    final class Shared: Sendable {
        private let mutex = Mutex(State())

        func withLock<T>(_ body: (inout State) -> T) -> T {
            mutex.withLock { body(&$0) }
        }
    }

    let channel: Channel
    let port: Int
    let issuer: String
    let state: Shared

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// With `tls`, it serves HTTPS and `base` is an `https://` URL.
    static func start(issuer: String = "https://issuer.test", tls: NIOSSLContext? = nil) async throws -> TestAuthServer {
        let state = Shared()
        let portBox = Atomic<Int>(0)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.withLock { $0.connections.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        TestAuthServerHandler(state: state, issuer: issuer, port: portBox.load(ordering: .relaxed))
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = channel.localAddress!.port!
        portBox.store(port, ordering: .relaxed)
        return TestAuthServer(channel: channel, port: port, issuer: issuer, state: state, scheme: tls == nil ? "http" : "https")
    }

    private init(channel: Channel, port: Int, issuer: String, state: Shared, scheme: String) {
        self.channel = channel
        self.port = port
        self.issuer = issuer
        self.state = state
        self.scheme = scheme
    }

    /// `http` or `https`.
    let scheme: String

    var base: String { "\(scheme)://127.0.0.1:\(port)" }
    var jwksRequests: Int { state.withLock { $0.jwksRequests } }
    var discoveryRequests: Int { state.withLock { $0.discoveryRequests } }
    var introspectionCalls: [(token: String, authorization: String?)] { state.withLock { $0.introspectionCalls } }

    func serve(keys: [SigningKey]) {
        state.withLock {
            $0.keys = keys
            $0.jwksFailureStatus = nil
        }
    }

    func failJWKS(status: Int) {
        state.withLock { $0.jwksFailureStatus = status }
    }

    func answerIntrospection(of token: String, with json: String) {
        state.withLock { $0.introspectionAnswers[token] = json }
    }

    func delayJWKS(_ delay: TimeAmount) {
        state.withLock { $0.jwksDelay = delay }
    }

    func delayIntrospection(_ delay: TimeAmount) {
        state.withLock { $0.introspectionDelay = delay }
    }

    /// From now on `/introspect` answers nothing until `releaseIntrospection()`:
    /// a call stays in flight for as long as the test needs, whatever its own
    /// wake-ups cost on a loaded machine.
    func holdIntrospection() {
        state.withLock { $0.introspectionHeld = true }
    }

    /// Sends the held answers and stops holding.
    func releaseIntrospection() {
        let held = state.withLock { state in
            state.introspectionHeld = false
            defer { state.heldIntrospectionAnswers = [] }
            return state.heldIntrospectionAnswers
        }
        for answer in held { answer() }
    }

    /// A token of this issuer signed by `key` (RS256/ES256… by the key's family).
    func token(_ key: SigningKey, audience: String = "api", scope: String = "read", subject: String = "user-1",
               lifetime: Int64 = 600) throws -> String {
        let claims = DevelopmentToken.claims(
            issuer: issuer, audience: audience, subject: subject, scope: scope, clientID: "test-client",
            issuedAt: Int64(Date().timeIntervalSince1970), lifetimeSeconds: lifetime, tokenID: UUID().uuidString
        )
        return try key.jwt(claims: claims)
    }

    /// Waits until `condition` holds of the server's state (at most `timeout`).
    func waitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: (State) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ condition($0) }) {
            guard ContinuousClock.now < deadline else { throw GatewayTestError("timed out waiting for: \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Blocks the calling thread until `condition` holds of the server's state
    /// (at most `timeout`), polling every 5 ms: unlike `waitUntil`, its wake-up
    /// does not queue for the cooperative pool, whose threads other suites'
    /// blocking sockets can hold for seconds in a loaded parallel run. For a
    /// test that must act while what it waited for still holds.
    func blockUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: (State) -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ condition($0) }) {
            guard ContinuousClock.now < deadline else { throw GatewayTestError("timed out waiting for: \(what)") }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    /// Stops listening and closes every connection, as a server that went down.
    func stop() async {
        try? await channel.close()
        for connection in state.withLock({ $0.connections }) {
            try? await connection.close()
        }
    }
}

final class TestAuthServerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: TestAuthServer.Shared
    private let issuer: String
    private let port: Int
    private var head: HTTPRequestHead?
    private var body = ""

    init(state: TestAuthServer.Shared, issuer: String, port: Int) {
        self.state = state
        self.issuer = issuer
        self.port = port
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ""
        case .body(let buffer):
            body += String(buffer: buffer)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch (head.method, head.uri) {
        case (.GET, "/jwks"):
            let (keys, failure, delay) = state.withLock { state in
                state.jwksRequests += 1
                return (state.keys, state.jwksFailureStatus, state.jwksDelay)
            }
            if let failure { return send(status: failure, "{}", context: context) }
            let set = JSONObject(uniqueKeysWithValues: [("keys", .array(keys.map { .object($0.verificationJWK) }))])
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.send(status: 200, set.jsonText, context: context)
            }
        case (.GET, "/.well-known/openid-configuration"):
            state.withLock { $0.discoveryRequests += 1 }
            send(status: 200, #"{"issuer":"\#(issuer)","jwks_uri":"http://127.0.0.1:\#(port)/jwks"}"#, context: context)
        case (.POST, "/introspect"):
            let token = Self.formValue("token", in: body) ?? ""
            let authorization = head.headers.first(name: "authorization")
            let loop = context.eventLoop
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
            let (answer, delay) = state.withLock { state -> (String, TimeAmount?) in
                state.introspectionCalls.append((token, authorization))
                let answer = state.introspectionAnswers[token] ?? #"{"active":false}"#
                guard !state.introspectionHeld else {
                    state.heldIntrospectionAnswers.append {
                        loop.execute { bound.value.handler.send(status: 200, answer, context: bound.value.context) }
                    }
                    return (answer, nil)
                }
                return (answer, state.introspectionDelay)
            }
            guard let delay else { return }
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.send(status: 200, answer, context: context)
            }
        default:
            send(status: 404, "{}", context: context)
        }
    }

    private func send(status: Int, _ text: String, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(text.utf8.count))
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private static func formValue(_ name: String, in form: String) -> String? {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name {
                return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
        }
        return nil
    }
}
