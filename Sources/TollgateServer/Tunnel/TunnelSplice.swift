import NIOCore

/// Turns an admitted WebSocket exchange into a byte tunnel once the upstream
/// answered 101 and the 101 went to the client: the HTTP handlers leave both
/// pipelines and a `TunnelHandler` pair joins them. Both channels are on the
/// same event loop (the upstream connection came from that loop's pool).
enum TunnelSplice {
    /// Splices `client` to `upstream`; closes both if either is gone or a pipeline cannot be changed.
    static func splice(client: Channel, upstream: Channel, idleTimeout: TimeAmount) {
        guard client.isActive, upstream.isActive else {
            client.close(promise: nil)
            upstream.close(promise: nil)
            return
        }
        let activity = TunnelActivity(idleTimeout: idleTimeout, eventLoop: client.eventLoop)
        let (clientEnd, upstreamEnd) = TunnelHandler.pair(activity: activity)
        do {
            let clientPipeline = client.pipeline.syncOperations
            let upstreamPipeline = upstream.pipeline.syncOperations
            try clientPipeline.addHandler(clientEnd)
            try upstreamPipeline.addHandler(upstreamEnd)
            // The client's HTTP handlers go first: the upstream handler's removal
            // passes on bytes the upstream sent after its 101, and the client end
            // must then write raw bytes.
            try remove(HTTP1ProxyHandler.self, from: clientPipeline)
            try remove(HTTP1RequestDecoder.self, from: clientPipeline)
            try remove(UpstreamConnectionHandler.self, from: upstreamPipeline)
        } catch {
            client.close(promise: nil)
            upstream.close(promise: nil)
            return
        }
        activity.start { clientEnd.close() }
        clientEnd.start()
        upstreamEnd.start()
    }

    private static func remove<Handler: RemovableChannelHandler>(
        _ type: Handler.Type,
        from pipeline: ChannelPipeline.SynchronousOperations
    ) throws {
        let context = try pipeline.context(handlerType: type)
        pipeline.removeHandler(context: context, promise: nil)
    }
}
