import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TollgateCore

/// The gateway's HTTP client for what it fetches from authorization servers
/// (JWKS, discovery documents, introspection): one async-http-client shared
/// by every issuer, HTTPS with the system's trust plus an issuer's `ca_file`,
/// no redirects followed, bounded answers and deadlines.
final class FetchClient: Sendable {
    /// The largest document accepted (a JWKS, a discovery document or an introspection answer).
    static let maxBodyBytes = 1 << 20

    private let client: HTTPClient
    /// System trust, TLS 1.2 or newer; an issuer's `ca_file` is added per request.
    private let tls: TLSConfiguration
    /// The loops the client runs on; the Redis replay store runs there too.
    let group: EventLoopGroup

    init(group: EventLoopGroup) {
        self.group = group
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        self.tls = tls
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(10))
        )
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(30))
        client = HTTPClient(eventLoopGroup: group, configuration: configuration)
    }

    /// `GET url`, expecting 200 and a body of at most `maxBodyBytes`.
    func get(_ url: String, caFile: String?, timeout: Duration) async throws(FetchError) -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "accept", value: "application/json")
        return try await execute(request, url: url, caFile: caFile, timeout: timeout)
    }

    /// `POST url` with a form body and extra headers, expecting 200.
    func postForm(_ url: String, form: String, headers: [(String, String)], caFile: String?, timeout: Duration) async throws(FetchError) -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: form))
        return try await execute(request, url: url, caFile: caFile, timeout: timeout)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// For a server that failed to start, before any request was made.
    func syncShutdown() {
        try? client.syncShutdown()
    }

    /// `caFile` is read at each fetch, so a CA file rewritten in place is
    /// honoured from the next fetch on.
    private func execute(_ request: HTTPClientRequest, url: String, caFile: String?, timeout: Duration) async throws(FetchError) -> [UInt8] {
        var request = request
        if let caFile {
            var tls = self.tls
            do {
                tls.additionalTrustRoots = [.certificates(try PEMFiles.certificates(Located(caFile), setting: "ca_file"))]
            } catch {
                throw FetchError(url: url, reason: error.description)
            }
            request.tlsConfiguration = tls
        }
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            guard response.status == .ok else {
                throw FetchError(url: url, reason: "answered \(response.status.code) \(response.status.reasonPhrase)")
            }
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return Array(body.readableBytesView)
        } catch let error as FetchError {
            throw error
        } catch is NIOTooManyBytesError {
            throw FetchError(url: url, reason: "the answer is larger than \(Self.maxBodyBytes) bytes")
        } catch {
            throw FetchError(url: url, reason: "\(error)")
        }
    }
}

/// A fetch from an authorization server that failed: where, and why.
struct FetchError: Error, CustomStringConvertible {
    var url: String
    var reason: String

    var description: String { "\(url): \(reason)" }
}
