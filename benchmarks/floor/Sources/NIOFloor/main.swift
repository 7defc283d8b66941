import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// `NIOFloor <upstream-port>`: listens on 127.0.0.1 (a free port, printed as
/// `listening on 127.0.0.1:PORT`) and proxies every request to the upstream on
/// 127.0.0.1, with one event loop, as Tollgate's `workers: 1` does.
guard CommandLine.arguments.count == 2, let upstreamPort = Int(CommandLine.arguments[1]) else {
    print("usage: NIOFloor <upstream-port>")
    exit(64)
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(FloorProxyHandler(upstreamPort: upstreamPort))
        }
    }
    .bind(host: "127.0.0.1", port: 0)
    .wait()
// Written straight to fd 1: the harness reads this line from a pipe, where print() would sit in a buffer.
let ready = Array("listening on 127.0.0.1:\(server.localAddress?.port ?? 0)\n".utf8)
_ = ready.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
try server.closeFuture.wait()
