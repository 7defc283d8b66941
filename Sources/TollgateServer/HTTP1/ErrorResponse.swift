import NIOCore
import NIOHTTP1
import TollgateCore

/// Turns a core `Rejection` into the gateway's JSON error response.
enum ErrorResponse {
    static func head(
        _ rejection: Rejection,
        version: HTTPVersion,
        requestID: String?,
        close: Bool,
        bodyLength: Int
    ) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(6 + rejection.headers.count)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(bodyLength))
        if let requestID { headers.add(name: "x-request-id", value: requestID) }
        for header in rejection.headers { headers.add(name: header.name, value: header.value) }
        if close { headers.add(name: "connection", value: "close") }
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: rejection.status), headers: headers)
    }

    static func body(_ rejection: Rejection, allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(string: rejection.jsonBody)
    }

    /// A complete HTTP/1.1 response with `Connection: close`, written as raw bytes
    /// by handlers that sit in front of the HTTP codec (header timeout).
    static func rawHTTP1(_ rejection: Rejection) -> ByteBuffer {
        let body = rejection.jsonBody
        var text = "HTTP/1.1 \(rejection.status) \(HTTPResponseStatus(statusCode: rejection.status).reasonPhrase)\r\n"
        text += "content-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
        text += body
        return ByteBuffer(string: text)
    }
}
