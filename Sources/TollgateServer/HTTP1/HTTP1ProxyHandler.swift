import NIOCore
import NIOHTTP1
import TollgateCore

/// The last handler of an HTTP/1.1 client connection, or of one HTTP/2 stream
/// (behind NIO's HTTP/2-to-HTTP/1 codec): one request at a time (a pipelined
/// request waits in `pipelined`, with reads paused), it checks the limits, asks the core for
/// a decision, and either answers the error or streams the request to a pooled
/// upstream connection on the same event loop and the response back, holding
/// reads on either side while the other cannot keep up (on a stream, held reads
/// hold back that stream's WINDOW_UPDATEs). An admitted WebSocket upgrade
/// that the upstream answers 101 leaves HTTP: `TunnelSplice` replaces this
/// handler and the request decoder with a byte tunnel. On a connection it
/// writes its responses as bytes itself (`HTTP1ResponseWriter`); on a stream
/// it writes response parts for the HTTP/2 codec.
final class HTTP1ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler, UpstreamConnectionDelegate {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the handler writes to the client.
    enum ResponseOutput {
        /// Bytes, from `HTTP1ResponseWriter`: an HTTP/1.x connection, no encoder behind.
        case bytes
        /// `HTTPServerResponsePart`s: an HTTP/2 stream, whose HTTP/2-to-HTTP/1 codec needs them.
        case parts
    }

    /// Where the current exchange stands.
    private enum Phase {
        /// Waiting for a request head.
        case idle
        /// Waiting for what the core asked for before it can decide (a key
        /// refetch, an introspection answer); client reads are paused, and
        /// request parts already decoded are buffered.
        case deciding
        /// Waiting for an upstream connection; request parts are buffered.
        case connecting
        /// Attached to an upstream connection; parts flow both ways.
        case streaming
        /// The response (an error or the upstream's) is complete; the rest of the
        /// request body is read and dropped.
        case responded
        /// The upstream answered a WebSocket upgrade with 101: the connection
        /// is being handed to a byte tunnel, and HTTP parts no longer come.
        case tunnelling
    }

    /// How long the rest of a refused request's body is read and dropped before
    /// the connection is closed, so that the client gets to read the answer.
    static let lingerTimeout = TimeAmount.seconds(1)

    /// How long a request whose token names an unknown `kid` waits for the refetch (SPEC: at most 2 s).
    static let keyWaitLimit = TimeAmount.seconds(2)

    /// A decision the core will make again once the server has what it asked for:
    /// the same snapshot, loop state and facts as the first time.
    private struct PendingDecision {
        var snapshot: GatewaySnapshot
        var services: TokenServices
        var state: VerificationState
        var facts: RequestFacts
    }

    private let loop: NIOLoopBound<LoopContext>
    /// The HTTP/1.1 connection's timers; nil on an HTTP/2 stream, whose
    /// connection the HTTP/2 handlers keep (idle GOAWAY, flood limits).
    private let timers: ConnectionTimerHandler?
    private let scheme: String
    private let output: ResponseOutput
    /// Frames the responses when `output` is `.bytes`.
    private var writer = HTTP1ResponseWriter()
    private var context: ChannelHandlerContext!
    private var clientAddress = ""

    private var phase = Phase.idle
    /// What arrived of pipelined requests while the current exchange was not
    /// finished, in order; handled once it is (HTTP/1.1 answers in order).
    private var pipelined = OnDemandQueue<PipelinedEvent>()
    private var replayingPipelined = false
    /// The server is draining: the current exchange is the connection's last.
    private var quiescing = false
    /// Incremented per request, so late callbacks of an earlier exchange are ignored.
    private var exchangeID = 0
    private var requestHead = HTTP1ProxyHandler.noRequest
    private var upstreamHead = HTTP1ProxyHandler.noRequest
    private var requestID = ""
    private var keepAlive = true
    private var upgrade = UpgradeRequest.none
    /// The client certificate's thumbprint once looked up (`.some(nil)`: none presented).
    private var peerCertificateThumbprint: String??
    private var expectsContinue = false
    private var requestComplete = false
    /// The head announced a body (`Content-Length` > 0 or chunked).
    private var requestHasBody = false
    private var requestBodyBytes = 0
    private var bodyBytesSentUpstream = 0
    /// How many body bytes the upstream head's framing carries: its
    /// `Content-Length`, unbounded when chunked, none without either. Set
    /// when the head is built; no more than this is ever written upstream.
    private var upstreamBodyCapacity = Int.max
    private var responseStarted = false
    private var upstreamKeepAlive = true
    private var retried = false
    private var useTargetHost = false
    /// CORS headers the core asked for on this exchange's responses.
    private var responseHeaders: [HeaderField] = []
    private var pool: UpstreamPool?
    private var connection: UpstreamConnection?
    private var buffered = OnDemandQueue<HTTPClientRequestPart>()
    private var requestTimer: Scheduled<Void>?
    /// When the upstream's response head is due (nil: none awaited). The timer
    /// below is re-checked when it fires, so keep-alive requests cost no timer
    /// operation in the steady state (the first profile: ~10% in timers).
    private var responseDeadline: NIODeadline?
    private var responseTimer: Scheduled<Void>?
    private var responseTimerFiresAt: NIODeadline?
    private var lingerTimer: Scheduled<Void>?
    private var decisionTimer: Scheduled<Void>?
    private var pendingDecision: PendingDecision?
    /// Decided in the first step of a `VerificationBatch`, carried out in its second.
    private var verifiedDecision: GateDecision?
    /// The issuer whose refetch the pending decision waits for.
    private var awaitedIssuer: Int?
    private var upstreamNeedsFlush = false
    private var readsPaused = false
    private var readPending = false
    /// What metrics and the access log learn of this exchange.
    private var record = ExchangeRecord(started: .now())

    init(loop: NIOLoopBound<LoopContext>, timers: ConnectionTimerHandler?, scheme: String, output: ResponseOutput) {
        self.loop = loop
        self.timers = timers
        self.scheme = scheme
        self.output = output
    }

    private var limits: LimitsConfig { loop.value.snapshot.config.limits }

    /// A part of a pipelined request, or the decoder's error on it.
    private enum PipelinedEvent {
        case part(HTTPServerRequestPart)
        case parserError(HTTP1RequestError)
    }

    /// The current request has ended but its exchange has not: what the decoder delivers now is the next request's.
    private var holdsNextRequest: Bool {
        (requestComplete && phase != .idle) || !pipelined.isEmpty && !replayingPipelined
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = context.channel.remoteAddress?.ipAddress ?? ""
        timers?.attach(self)
    }

    /// Drops the context, which holds the pipeline and with it this handler:
    /// kept, the pair outlived every connection (the soak found ~3.5 KiB per
    /// closed connection never freed, `benchmarks/README.md`, "Soak").
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if holdsNextRequest {
            pipelined.append(.part(part))
            pauseReads()
            return
        }
        received(part)
    }

    private func received(_ part: HTTPServerRequestPart) {
        // Once the connection has closed, `channelInactive` (the last chance to
        // release an upstream connection) may already have run: a close inside
        // NIO's decode loop (a refusal that ends the connection) is followed by
        // what the decoder still held, and a write that fails (the client left)
        // inside an exchange's end by the replay of a pipelined request. A request
        // decided then kept the idle upstream connection it was given, and its
        // response crashed the process (`PipelinedRefusalTests`,
        // `MutatedStreamTests`). Nothing is served on a closed connection.
        guard context?.channel.isActive == true else { return }
        switch part {
        case .head(let head): receivedHead(head)
        case .body(let body): receivedBody(body)
        case .end(let trailers): receivedEnd(trailers)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            return context.fireUserInboundEventTriggered(event)
        }
        // Draining: an idle connection closes now, a busy one after its current exchange.
        quiescing = true
        keepAlive = false
        if phase == .idle, pipelined.isEmpty {
            // A response finished in this pass may still wait in the loop's `FlushBatch`: send it first.
            context.flush()
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamNeedsFlush {
            upstreamNeedsFlush = false
            connection?.handler.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        responseTimer?.cancel()
        responseTimer = nil
        responseTimerFiresAt = nil
        if let connection {
            self.connection = nil
            pool?.release(connection, reusable: false)
        }
        exchangeID += 1
        phase = .idle
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.handler.setReadsPaused(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let parserError = error as? HTTP1RequestError, holdsNextRequest {
            pipelined.append(.parserError(parserError))
            return
        }
        parserFailed(error)
    }

    private func parserFailed(_ error: Error) {
        // Between exchanges no response is in progress, whatever the last exchange wrote.
        guard let parserError = error as? HTTP1RequestError, phase == .idle || !responseStarted else {
            context.close(promise: nil)
            return
        }
        // The decoder stops at a malformed request: answer 400 (or 431) and close.
        abandonUpstream()
        if phase == .idle {
            exchangeID += 1
            resetExchange()
            record = ExchangeRecord(started: .now(), headParsed: false)
            requestID = loop.value.requestIDs.generate()
            requestHead = Self.noRequest
        }
        keepAlive = false
        requestComplete = true
        let rejection: Rejection =
            if parserError.kind == .headTooLarge {
                Rejection(.requestHeaderFieldsTooLarge, "the request head is larger than the gateway accepts")
            } else {
                Rejection(.invalidRequest, "malformed HTTP request: \(parserError)")
            }
        respond(with: rejection)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: - Request parts

    private func receivedHead(_ head: HTTPRequestHead) {
        timers?.headReceived()
        exchangeID += 1
        resetExchange()
        record = ExchangeRecord(started: .now())
        requestHead = head
        // An HTTP/2 stream ends with its response; the connection stays.
        upgrade = UpgradeRequest(head)
        keepAlive = head.version.major >= 2 || (head.isKeepAlive && upgrade.keepsConnection && !quiescing)
        // RFC 9112 §6.1: an HTTP/1.0 request with Transfer-Encoding has faulty framing (an
        // HTTP/1.0 hop in front may not have read its body as chunked): served, then closed.
        if head.version == .http1_0, head.headers.contains(name: "transfer-encoding") { keepAlive = false }
        requestID = loop.value.requestIDs.accepting(head.headers.first(name: "x-request-id"))
        expectsContinue = head.headers.first(name: "expect")?.lowercased() == "100-continue"
        // A scan, not `headers["transfer-encoding"]`, whose array cost an allocation per request.
        requestHasBody = head.headers.contains {
            ASCIICase.equal($0.name, "transfer-encoding") && ASCIICase.contains($0.value, lowercase: "chunked")
        } || (head.headers.first(name: "content-length").flatMap(Int.init) ?? 0) > 0

        let limits = self.limits
        if let rejection = Self.limitRejection(head, limits) ?? Self.hostRejection(head) ?? Self.transferCodingRejection(head) {
            // A client that overruns a limit is not trusted with the connection: answer, then close.
            // (An HTTP/2 stream ends with its answer; the flood limits guard its connection.)
            if head.version.major < 2 { keepAlive = false }
            let cors = loop.value.snapshot.corsHeaders(origin: head.headers.first(name: "origin"), scheme: scheme, host: head.headers.first(name: "host"))
            return refuse(Rejection(rejection.code, rejection.description, headers: cors))
        }
        let loopContext = loop.value
        let pending = PendingDecision(
            snapshot: loopContext.snapshot,
            services: loopContext.services,
            state: loopContext.verification,
            facts: facts(for: head)
        )
        let decision = pending.snapshot.decide(
            pending.facts, state: pending.state, now: WallClock.secondsSinceEpoch(), deferringVerification: true
        )
        carryOut(decision, of: pending)
    }

    private func receivedBody(_ body: ByteBuffer) {
        requestBodyBytes += body.readableBytes
        switch phase {
        case .idle, .responded, .tunnelling:
            return
        case .deciding, .connecting, .streaming:
            if requestBodyBytes > limits.maxBodyBytes {
                abandonUpstream()
                return refuse(Rejection(
                    .payloadTooLarge,
                    "the request body is larger than \(limits.maxBodyBytes) bytes",
                    headers: responseHeaders
                ))
            }
            if requestBodyBytes > upstreamBodyCapacity { return refuseUnframedBody() }
        }
        let part = HTTPClientRequestPart.body(.byteBuffer(body))
        if phase == .connecting || phase == .deciding {
            buffered.append(part)
        } else if let connection {
            bodyBytesSentUpstream += body.readableBytes
            connection.handler.write(part)
            upstreamNeedsFlush = true
            if !connection.channel.isWritable { pauseReads() }
        }
    }

    private func receivedEnd(_ trailers: HTTPHeaders?) {
        requestComplete = true
        requestTimer?.cancel()
        requestTimer = nil
        switch phase {
        case .idle, .tunnelling:
            return
        case .deciding, .connecting:
            buffered.append(.end(trailers))
        case .streaming:
            connection?.handler.write(.end(trailers))
            connection?.handler.flush()
            upstreamNeedsFlush = false
            startResponseTimer()
        case .responded:
            finishExchange()
        }
    }

    // MARK: - Deciding

    private func carryOut(_ decision: GateDecision, of pending: PendingDecision) {
        record.noteDecision(decision, of: pending.snapshot)
        switch decision {
        case .reject(let rejection):
            refuse(rejection)
        case .forward(let admission):
            forward(admission, snapshot: pending.snapshot)
        case .answer(let status, let headers):
            answer(status: status, headers: headers)
        case .awaitKeys(let issuer):
            awaitKeys(ofIssuer: issuer, for: pending)
        case .introspect(let token, _):
            introspect(token, for: pending)
        case .checkReplay(let check):
            checkReplay(check, for: pending)
        case .verifyLater:
            verifyLater(for: pending)
        }
    }

    /// A token the cache does not hold: checked with the loop's other misses
    /// at the end of this pass (`VerificationBatch`). Reads go on meanwhile:
    /// the wait is part of one pass, and a body or a pipelined request that
    /// arrives in it is held as during any decision.
    private func verifyLater(for pending: PendingDecision) {
        pendingDecision = pending
        phase = .deciding
        loop.value.verificationBatch.enqueue(self, exchange: exchangeID)
    }

    /// The batch's first step for `exchange`: decide again, verifying now. The
    /// decision is carried out in the second step, after every request of the
    /// batch has been verified (crypto next to crypto, then I/O next to I/O).
    func takeVerificationTurn(_ exchange: Int) {
        guard exchangeID == exchange, phase == .deciding, let pending = pendingDecision else { return }
        verifiedDecision = decideAgain(pending, with: .verificationTurn)
    }

    /// The batch's second step for `exchange`: carry out what the first decided.
    func finishVerificationTurn(_ exchange: Int) {
        guard let decision = verifiedDecision else { return }
        verifiedDecision = nil
        guard exchangeID == exchange, phase == .deciding, let pending = pendingDecision else { return }
        pendingDecision = nil
        phase = .idle
        carryOut(decision, of: pending)
    }

    /// A DPoP proof for a shared (Redis) replay store: decide again with its verdict.
    private func checkReplay(_ check: ReplayCheck, for pending: PendingDecision) {
        let id = exchangeID
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        pending.services.recordProof(check, now: WallClock.secondsSinceEpoch()) { verdict in
            loop.execute { handler.value.resumeDecision(id, with: .replayChecked(check, verdict)) }
        }
        wait(for: pending)
    }

    /// An unknown `kid`: wait (at most `keyWaitLimit`) for the issuer's
    /// refetch, or decide again at once when the cooldown allows none.
    private func awaitKeys(ofIssuer issuer: Int, for pending: PendingDecision) {
        if catchUpKeys(ofIssuer: issuer, in: pending) {
            let decision = pending.snapshot.decide(pending.facts, state: pending.state, now: WallClock.secondsSinceEpoch())
            return carryOut(decision, of: pending)
        }
        let id = exchangeID
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let waiting = pending.services.refetchKeys(forIssuer: issuer) {
            loop.execute { handler.value.resumeDecision(id, with: .keysAwaited) }
        }
        guard waiting else {
            return carryOut(decideAgain(pending, with: .keysAwaited), of: pending)
        }
        wait(for: pending)
        awaitedIssuer = issuer
        decisionTimer = loop.assumeIsolated().scheduleTask(in: Self.keyWaitLimit) { [weak self] in
            self?.resumeDecision(id, with: .keysAwaited)
        }
    }

    /// An opaque token: its cached introspection answer, or the call's (shared with concurrent requests).
    private func introspect(_ token: String, for pending: PendingDecision) {
        guard let introspector = pending.services.introspector else {
            return carryOut(decideAgain(pending, with: .introspectionFailed), of: pending)
        }
        let id = exchangeID
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let cached = introspector.introspect(token) { result in
            loop.execute {
                handler.value.resumeDecision(id, with: result.map(GateResumption.introspection) ?? .introspectionFailed)
            }
        }
        if let cached {
            return carryOut(decideAgain(pending, with: .introspection(cached)), of: pending)
        }
        wait(for: pending)
    }

    private func wait(for pending: PendingDecision) {
        pendingDecision = pending
        phase = .deciding
        pauseReads()
    }

    /// What the core asked for has come (or its wait is over): decide again,
    /// unless the exchange has moved on (answered, closed, another request).
    private func resumeDecision(_ id: Int, with resumption: GateResumption) {
        guard exchangeID == id, phase == .deciding, let pending = pendingDecision else { return }
        decisionTimer?.cancel()
        decisionTimer = nil
        pendingDecision = nil
        phase = .idle
        if let issuer = awaitedIssuer {
            awaitedIssuer = nil
            _ = catchUpKeys(ofIssuer: issuer, in: pending)
        }
        carryOut(decideAgain(pending, with: resumption), of: pending)
    }

    /// Gives this loop's state the issuer's current set when it lags behind
    /// the store (new keys are published to the store first, then to each
    /// loop); returns whether it did.
    private func catchUpKeys(ofIssuer issuer: Int, in pending: PendingDecision) -> Bool {
        guard let current = pending.services.keys.keys(ofIssuer: issuer),
              pending.state.keySets[issuer]?.generation != current.generation
        else { return false }
        pending.state.updateKeys(current, forIssuer: issuer)
        return true
    }

    private func decideAgain(_ pending: PendingDecision, with resumption: GateResumption) -> GateDecision {
        pending.snapshot.decide(pending.facts, state: pending.state, now: WallClock.secondsSinceEpoch(), resuming: resumption)
    }

    private func facts(for head: HTTPRequestHead) -> RequestFacts {
        let fields = RequestFieldScan(head.headers)
        return RequestFacts(
            method: head.method.rawValue,
            target: head.uri,
            host: fields.host,
            authorization: fields.authorization,
            origin: fields.origin,
            scheme: scheme,
            accessControlRequestMethod: fields.accessControlRequestMethod,
            accessControlRequestHeaders: fields.accessControlRequestHeaders,
            dpop: fields.dpop,
            clientCertificateThumbprint: clientCertificateThumbprint
        )
    }

    /// The TLS client certificate's thumbprint, read once per connection (or stream).
    private var clientCertificateThumbprint: String? {
        if let known = peerCertificateThumbprint { return known }
        let thumbprint = scheme == "https" ? ClientCertificate.thumbprint(of: context.channel) : nil
        peerCertificateThumbprint = .some(thumbprint)
        return thumbprint
    }

    /// The first limit the parsed head breaks: request line (414), head (431),
    /// declared body (413).
    private static func limitRejection(_ head: HTTPRequestHead, _ limits: LimitsConfig) -> Rejection? {
        if head.uri.utf8.count > limits.maxRequestLineBytes {
            return Rejection(.uriTooLong, "the request target is longer than \(limits.maxRequestLineBytes) bytes")
        }
        if headBytes(head) > limits.maxHeaderBytes {
            return Rejection(.requestHeaderFieldsTooLarge, "the request head is larger than \(limits.maxHeaderBytes) bytes")
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
            return Rejection(.payloadTooLarge, "the request body is larger than \(limits.maxBodyBytes) bytes")
        }
        return nil
    }

    /// RFC 9112 §3.2: an HTTP/1.1 request without `Host`, or any request with
    /// more than one, is 400. The gateway routes by the first `Host`; both
    /// used to be forwarded, so an upstream that reads the last one could
    /// serve a host whose route the gateway never checked.
    private static func hostRejection(_ head: HTTPRequestHead) -> Rejection? {
        var count = 0
        for header in head.headers where ASCIICase.equal(header.name, "host") { count += 1 }
        if count > 1 {
            return Rejection(.invalidRequest, "the request has more than one Host header")
        }
        if count == 0, head.version == .http1_1 {
            return Rejection(.invalidRequest, "an HTTP/1.1 request needs a Host header")
        }
        return nil
    }

    /// RFC 9112 §6.1: a transfer coding the gateway does not understand is
    /// 501. llhttp accepts any codings before a final `chunked` and decodes
    /// only the chunking, so the body of `gzip, chunked` would reach the
    /// upstream still gzip-coded but announced as plain bytes. `identity`
    /// changes nothing and passes. Codings whose last is not `chunked` leave
    /// the body's length unknown: that is the decoder's 400 (§6.3), not this.
    private static func transferCodingRejection(_ head: HTTPRequestHead) -> Rejection? {
        var codings: [Substring] = []
        for header in head.headers where ASCIICase.equal(header.name, "transfer-encoding") {
            for coding in header.value.split(separator: ",") { codings.append(coding.trimmingHTTPWhitespace()) }
        }
        guard let last = codings.popLast(), ASCIICase.equal(last, "chunked"),
              let unknown = codings.first(where: { !ASCIICase.equal($0, "identity") }) else { return nil }
        let shown = unknown.count <= 32 && unknown.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return Rejection(
            .notImplemented,
            "the request body's transfer coding\(shown ? " (\(String(unknown)))" : "") is not supported: only chunked is"
        )
    }

    /// Bytes of the request head as it came: request line and header lines.
    private static func headBytes(_ head: HTTPRequestHead) -> Int {
        var total = head.method.rawValue.utf8.count + head.uri.utf8.count + 12
        for header in head.headers {
            total += header.name.utf8.count + header.value.utf8.count + 4
        }
        return total
    }

    // MARK: - Forwarding

    private func forward(_ admission: Admission, snapshot: GatewaySnapshot) {
        let loopContext = loop.value
        let pool = loopContext.pools[admission.upstream]
        self.pool = pool
        record.upstreamStarted = .now()
        responseHeaders = admission.responseHeaders
        useTargetHost = pool.config.hostHeader == .target
        var webSocketProtocols: String?
        if case .webSocket(let protocols) = upgrade { webSocketProtocols = protocols }
        upstreamHead = ForwardedRequest.head(
            from: requestHead,
            target: admission.upstreamTarget,
            removing: snapshot.strippedRequestHeaders,
            identity: admission.identityHeaders,
            clientAddress: clientAddress,
            scheme: scheme,
            requestID: requestID,
            upgrade: webSocketProtocols
        )
        upstreamBodyCapacity = Self.bodyCapacity(of: upstreamHead.headers)
        if requestBodyBytes > upstreamBodyCapacity { return refuseUnframedBody() }
        phase = .connecting
        if expectsContinue {
            emit(.head(HTTPResponseHead(version: requestHead.version, status: .continue)))
            context.flush()
        }
        if !requestComplete, requestHasBody {
            let id = exchangeID
            requestTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.requestTimeout)) { [weak self] in
                guard let self, self.exchangeID == id, !self.requestComplete else { return }
                self.requestTimer = nil
                self.keepAlive = false
                if self.responseStarted {
                    self.context?.close(promise: nil)
                } else {
                    self.abandonUpstream()
                    self.refuse(Rejection(.requestTimeout, "the request was not received within the request timeout"))
                }
            }
        }
        acquireConnection(fresh: false)
    }

    private func acquireConnection(fresh: Bool) {
        guard let pool else { return }
        switch pool.acquire(fresh: fresh) {
        case .ready(let connection):
            attach(connection)
        case .pending(let future):
            pauseReads()
            let id = exchangeID
            future.assumeIsolated().whenComplete { [weak self] result in
                guard let self, self.exchangeID == id, self.phase == .connecting, self.context?.channel.isActive == true else {
                    if case .success(let connection) = result { pool.release(connection, reusable: true) }
                    return
                }
                switch result {
                case .success(let connection):
                    self.attach(connection)
                case .failure(let error):
                    self.upstreamFailedBeforeResponse(error as? UpstreamFailure ?? .connectionLost(target: pool.name), target: nil)
                }
            }
        case .failed(let failure):
            upstreamFailedBeforeResponse(failure, target: nil)
        }
    }

    private func attach(_ connection: UpstreamConnection) {
        self.connection = connection
        phase = .streaming
        connection.handler.delegate = self
        if useTargetHost, let pool {
            upstreamHead.headers.replaceOrAdd(name: "host", value: pool.hostHeader(for: connection))
        }
        connection.handler.write(.head(upstreamHead))
        while let part = buffered.popFirst() {
            if case .body(.byteBuffer(let body)) = part { bodyBytesSentUpstream += body.readableBytes }
            connection.handler.write(part)
        }
        if requestComplete {
            loop.value.flushBatch.flushAtEndOfPass(connection.channel)
            startResponseTimer()
        } else {
            connection.handler.flush()
        }
        if connection.channel.isWritable { resumeReads() } else { pauseReads() }
    }

    private func startResponseTimer() {
        guard let pool, responseDeadline == nil, !responseStarted else { return }
        let deadline = NIODeadline.now() + TimeAmount(pool.config.timeout)
        responseDeadline = deadline
        armResponseTimer(deadline)
    }

    private func armResponseTimer(_ deadline: NIODeadline) {
        if let responseTimerFiresAt, responseTimerFiresAt <= deadline { return }
        responseTimer?.cancel()
        responseTimerFiresAt = deadline
        responseTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.responseTimerFired()
        }
    }

    private func responseTimerFired() {
        responseTimer = nil
        responseTimerFiresAt = nil
        guard let deadline = responseDeadline, !responseStarted, let pool else { return }
        if NIODeadline.now() < deadline {
            armResponseTimer(deadline)
            return
        }
        responseDeadline = nil
        let target = connection.map { pool.hostHeader(for: $0) } ?? pool.name
        abandonUpstream()
        refuseAfterUpstream(.gatewayTimeout, UpstreamFailure.responseTimeout(target: target).description)
    }

    // MARK: - UpstreamConnectionDelegate

    func upstreamDidReceive(_ part: HTTPClientResponsePart) {
        switch part {
        case .head(let head):
            if head.status.code / 100 == 1, head.status != .switchingProtocols { return }
            if head.status == .switchingProtocols { return switchingProtocols(head) }
            responseDeadline = nil
            responseStarted = true
            record.status = Int(head.status.code)
            upstreamKeepAlive = connection?.handler.responseKeepsAlive ?? false
            let headers = ForwardedResponse.headers(from: head.headers, requestID: requestID, cors: responseHeaders, close: !keepAlive)
            let response = HTTPResponseHead(version: requestHead.version, status: head.status, headers: headers)
            emit(.head(response))
        case .body(let body):
            record.bytesOut += body.readableBytes
            emit(.body(.byteBuffer(body)))
            if !context.channel.isWritable { connection?.handler.setReadsPaused(true) }
        case .end(let trailers):
            if phase == .tunnelling { return spliceTunnel() }
            record.upstreamFinished()
            let reusable = requestComplete && upstreamKeepAlive
            if let connection, let pool {
                self.connection = nil
                pool.release(connection, reusable: reusable)
            }
            completeResponse(.end(trailers))
        }
    }

    /// The upstream's 101: passed on to a WebSocket upgrade (with the
    /// `Upgrade` and `Connection` fields a 101 needs), else a 502, since the
    /// gateway never asks any other request to switch protocols.
    private func switchingProtocols(_ head: HTTPResponseHead) {
        responseDeadline = nil
        guard case .webSocket = upgrade else {
            abandonUpstream()
            return refuseAfterUpstream(.badGateway, "the upstream switched protocols on a request that did not ask to")
        }
        responseStarted = true
        record.status = Int(head.status.code)
        let headers = ForwardedResponse.headers(from: head.headers, requestID: requestID, cors: responseHeaders, switchingProtocols: true, close: false)
        // Bytes the client sends from now on belong to the tunnel: they stay in
        // the socket until the tunnel reads them.
        pauseReads()
        phase = .tunnelling
        emit(.head(HTTPResponseHead(version: requestHead.version, status: .switchingProtocols, headers: headers)))
    }

    /// After the 101: the upstream connection leaves the pool and both
    /// connections become a tunnel, on the next tick so that no HTTP handler
    /// is removed while it is delivering this very event.
    private func spliceTunnel() {
        guard let connection, let pool else { return }
        self.connection = nil
        pool.detach(connection)
        record.upstreamFinished()
        loop.value.observe(record, AccessLogLine.Request(head: requestHead, requestID: requestID, bytesIn: requestBodyBytes))
        cancelTimers()
        context.flush()
        let client = context.channel
        let upstream = connection.channel
        let idleTimeout = TimeAmount(limits.idleTimeout)
        context.eventLoop.assumeIsolated().execute {
            TunnelSplice.splice(client: client, upstream: upstream, idleTimeout: idleTimeout)
        }
    }

    func upstreamReadComplete() {
        context.flush()
    }

    func upstreamDidFail(_ failure: UpstreamFailure) {
        guard let connection else { return }
        self.connection = nil
        pool?.release(connection, reusable: false)
        if responseStarted {
            context.close(promise: nil)
            return
        }
        upstreamFailedBeforeResponse(failure, target: connection)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeReads() }
    }

    /// A failure before any byte of the response: retried once on a fresh
    /// connection (or the next target) when nothing of the body was sent,
    /// else 502 / 503.
    private func upstreamFailedBeforeResponse(_ failure: UpstreamFailure, target: UpstreamConnection?) {
        let connectFailed: Bool
        if case .connectFailed = failure { connectFailed = true } else { connectFailed = false }
        let staleReuse = target?.isReused ?? false
        if !retried, bodyBytesSentUpstream == 0, connectFailed || staleReuse {
            retried = true
            phase = .connecting
            buffered.removeAll()
            if requestComplete { buffered.append(.end(nil)) }
            acquireConnection(fresh: true)
            return
        }
        if let target, !staleReuse { pool?.reportFailure(targetIndex: target.targetIndex) }
        switch failure {
        case .poolExhausted:
            refuseAfterUpstream(.upstreamUnavailable, failure.description)
        case .responseTimeout:
            refuseAfterUpstream(.gatewayTimeout, failure.description)
        case .connectFailed, .connectionLost, .malformedResponse, .tlsFailed:
            refuseAfterUpstream(.badGateway, failure.description)
        }
    }

    private func refuseAfterUpstream(_ code: GatewayErrorCode, _ description: String) {
        record.upstreamFinished()
        if !requestComplete, requestHasBody { keepAlive = false }
        respond(with: Rejection(code, description, headers: responseHeaders))
    }

    /// Stops using the upstream connection of this exchange without reusing it.
    private func abandonUpstream() {
        responseDeadline = nil
        if let connection, let pool {
            self.connection = nil
            connection.handler.delegate = nil
            pool.release(connection, reusable: false)
        }
    }

    /// Body bytes the upstream head could not frame: an HTTP/2 `GET`,
    /// `HEAD`, `DELETE`, `OPTIONS`, `TRACE` or `CONNECT` with DATA but no
    /// `content-length` (NIO's HTTP/2-to-HTTP/1 codec frames only the other
    /// methods). Written after an unframed head, they would be read upstream
    /// as the next request on a pooled connection, past every check here
    /// (tested: `/admin` reached the upstream). Nothing more is sent; the
    /// upstream connection is dropped.
    private func refuseUnframedBody() {
        abandonUpstream()
        keepAlive = false
        refuse(Rejection(
            .invalidRequest,
            "a request body on \(requestHead.method.rawValue) needs a content-length (the upstream request could not frame it)",
            headers: responseHeaders
        ))
    }

    /// What the framing of a forwarded head lets through: chunked, any
    /// length; `Content-Length`, that many bytes; neither, none.
    private static func bodyCapacity(of headers: HTTPHeaders) -> Int {
        if headers.contains(name: "transfer-encoding") { return .max }
        if let length = headers.first(name: "content-length").flatMap(Int.init) { return length }
        return 0
    }

    // MARK: - Answering

    /// Answers a request the gateway refuses before forwarding. A body still on
    /// its way is read and dropped for a moment, then the connection closes.
    private func refuse(_ rejection: Rejection) {
        if !requestComplete, requestHasBody { keepAlive = false }
        respond(with: rejection)
    }

    /// The gateway's own empty answer (a CORS preflight's 204).
    private func answer(status: Int, headers fields: [HeaderField]) {
        if !requestComplete, requestHasBody { keepAlive = false }
        var headers = HTTPHeaders()
        for field in fields { headers.add(name: field.name, value: field.value) }
        headers.add(name: "content-length", value: "0")
        headers.add(name: "x-request-id", value: requestID)
        if !keepAlive { headers.add(name: "connection", value: "close") }
        responseStarted = true
        record.status = status
        let head = HTTPResponseHead(version: requestHead.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        emit(.head(head))
        completeResponse(.end(nil))
    }

    private func respond(with rejection: Rejection) {
        requestTimer?.cancel()
        requestTimer = nil
        resumeReads()
        let body = ErrorResponse.body(rejection, allocator: context.channel.allocator)
        let head = ErrorResponse.head(
            rejection,
            version: requestHead.version,
            requestID: requestID,
            close: !keepAlive,
            bodyLength: body.readableBytes
        )
        responseStarted = true
        record.status = rejection.status
        emit(.head(head))
        if requestHead.method != .HEAD {
            record.bytesOut = body.readableBytes
            emit(.body(.byteBuffer(body)))
        }
        completeResponse(.end(nil))
    }

    private func completeResponse(_ end: HTTPServerResponsePart) {
        phase = .responded
        loop.value.observe(record, AccessLogLine.Request(head: requestHead, requestID: requestID, bytesIn: requestBodyBytes))
        if requestComplete, keepAlive {
            // Nothing waits for this write: no future (one allocation per request).
            emit(end)
            if case .bytes = output {
                loop.value.flushBatch.flushAtEndOfPass(context.channel)
            } else {
                context.flush()
            }
            return finishExchange()
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        emit(end, promise: promise)
        context.flush()
        let written = promise.futureResult
        if requestComplete {
            finishExchange(after: written)
        } else if !keepAlive {
            let context = self.context!
            written.assumeIsolated().whenComplete { [weak self] _ in
                guard let self else { return }
                self.lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTimeout) {
                    context.close(promise: nil)
                }
            }
        }
    }

    /// Writes one response part to the client: framed by `writer` into bytes
    /// on an HTTP/1.x connection, as the part itself on an HTTP/2 stream.
    /// Body parts never carry a promise; the end's is kept even when its
    /// framing writes nothing (an empty write, so it completes in order).
    private func emit(_ part: HTTPServerResponsePart, promise: EventLoopPromise<Void>? = nil) {
        guard case .bytes = output else {
            return context.write(wrapOutboundOut(part), promise: promise)
        }
        let context = self.context!
        let allocator = context.channel.allocator
        switch part {
        case .head(let head):
            context.write(NIOAny(writer.head(head, respondingTo: requestHead.method, allocator: allocator)), promise: promise)
        case .body(let body):
            assert(promise == nil, "body parts are written without a promise")
            writer.body(body, allocator: allocator) { context.write(NIOAny($0), promise: nil) }
        case .end(let trailers):
            if let bytes = writer.end(trailers: trailers, allocator: allocator) {
                context.write(NIOAny(bytes), promise: promise)
            } else if let promise {
                context.write(NIOAny(allocator.buffer(capacity: 0)), promise: promise)
            }
        }
    }

    /// The request and its response are both complete: wait for the next
    /// request, or close once the last write is out.
    private func finishExchange(after written: EventLoopFuture<Void>? = nil) {
        cancelTimers()
        phase = .idle
        guard !keepAlive else {
            releaseRequest()
            timers?.exchangeFinished(mayHibernate: pipelined.isEmpty && requestBodyBytes == 0)
            replayPipelined()
            return
        }
        let context = self.context!
        if let written {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: - Hibernation

    /// The connection has been idle for `ConnectionTimerHandler.hibernateAfter`:
    /// this handler and the request decoder leave the pipeline, unless an exchange,
    /// a pipelined request or held reads are under way after all. Returns
    /// whether they left; the timers bring fresh ones back with the next byte
    /// (and restore `maxMessagesPerRead`).
    func hibernate() -> Bool {
        guard let context, timers != nil, phase == .idle, pipelined.isEmpty, connection == nil,
              !readsPaused, !quiescing
        else { return false }
        let sync = context.pipeline.syncOperations
        do {
            let decoder = try sync.context(handlerType: HTTP1RequestDecoder.self)
            sync.removeHandler(context: decoder, promise: nil)
        } catch {
            return false
        }
        // NIO's pool of receive buffers: once reads overlap (a body still being
        // written upstream holds its read), it keeps up to `maxMessagesPerRead`
        // of them per channel, never shrinking; lowering the option drops all
        // but the first (NIO keeps that one for the channel's life).
        try? context.channel.syncOptions?.setOption(.maxMessagesPerRead, value: 1)
        // The lazily re-checked response timer would stay scheduled until the
        // upstream timeout (0.2 KiB with its task and closure, heaptrack).
        responseTimer?.cancel()
        responseTimer = nil
        responseTimerFiresAt = nil
        sync.removeHandler(context: context, promise: nil)
        return true
    }

    // MARK: - Helpers

    /// A head that holds nothing, for the time between exchanges.
    private static let noRequest = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")

    /// Lets go of the finished request's heads (their header storage and the
    /// `Authorization` value) and id while the connection waits for the next
    /// one: kept, they cost an idle keep-alive connection 1.9 KiB of heap
    /// (heaptrack, 2,000 idle connections after one token request each: the
    /// token 688 B, the decoded and forwarded header arrays 532 B each, the
    /// heads' storage 2 × 51 B, the request id 94 B).
    private func releaseRequest() {
        requestHead = Self.noRequest
        upstreamHead = Self.noRequest
        requestID = ""
        responseHeaders = []
        upgrade = .none
    }

    private func resetExchange() {
        cancelTimers()
        phase = .idle
        requestComplete = false
        requestBodyBytes = 0
        bodyBytesSentUpstream = 0
        upstreamBodyCapacity = .max
        responseStarted = false
        upstreamKeepAlive = true
        retried = false
        pool = nil
        responseHeaders = []
        pendingDecision = nil
        awaitedIssuer = nil
        buffered.removeAll()
    }

    /// Ends this exchange's timers; the lazily re-checked response timer stays
    /// scheduled for the next exchange (see `responseDeadline`).
    private func cancelTimers() {
        requestTimer?.cancel()
        requestTimer = nil
        responseDeadline = nil
        lingerTimer?.cancel()
        lingerTimer = nil
        decisionTimer?.cancel()
        decisionTimer = nil
    }

    /// Hands the pipelined requests' parts on, in order, until one of them
    /// starts an exchange that does not finish at once; reads resume once
    /// nothing waits.
    private func replayPipelined() {
        guard !replayingPipelined else { return }
        replayingPipelined = true
        while !(requestComplete && phase != .idle), let event = pipelined.popFirst() {
            switch event {
            case .part(let part): received(part)
            case .parserError(let error): parserFailed(error)
            }
        }
        replayingPipelined = false
        if pipelined.isEmpty { resumeReads() }
    }

    private func pauseReads() {
        readsPaused = true
    }

    private func resumeReads() {
        guard readsPaused, pipelined.isEmpty || replayingPipelined else { return }
        readsPaused = false
        if readPending {
            readPending = false
            context.read()
        }
    }
}
