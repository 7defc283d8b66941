import NIOHTTP1
import TollgateCore

/// The request fields the core decides on, read in one pass over the head.
///
/// Six lookups (`first(name:)` for each, and `headers[name]` for the ones that
/// may repeat) scanned the whole field list six times per request and
/// allocated an array for a present `Authorization` (malloc uprobe under (b)'s
/// load, session 7: one allocation per request, none now).
struct RequestFieldScan {
    private(set) var host: String?
    private(set) var origin: String?
    private(set) var authorization = RequestFacts.Authorization.absent
    private(set) var dpop = RequestFacts.DPoPHeader.absent
    private(set) var accessControlRequestMethod: String?
    /// Every `Access-Control-Request-Headers` field, joined with "," in order.
    private(set) var accessControlRequestHeaders: String?

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where ASCIICase.equal(name, "host"):
                if host == nil { host = value }
            case 4 where ASCIICase.equal(name, "dpop"):
                dpop = dpop == .absent ? .one(value) : .several
            case 6 where ASCIICase.equal(name, "origin"):
                if origin == nil { origin = value }
            case 13 where ASCIICase.equal(name, "authorization"):
                authorization = authorization == .absent ? .one(value) : .several
            case 29 where ASCIICase.equal(name, "access-control-request-method"):
                if accessControlRequestMethod == nil { accessControlRequestMethod = value }
            case 30 where ASCIICase.equal(name, "access-control-request-headers"):
                accessControlRequestHeaders = accessControlRequestHeaders.map { $0 + "," + value } ?? value
            default:
                continue
            }
        }
    }
}
