import Testing
@testable import TollgateCore

@Suite("RouteTable path matching")
struct RouteTableMatchingTests {
    @Test("literal beats {param} beats /**, segment by segment")
    func specificity() throws {
        let routes = try table(["/**", "/a/**", "/a/{x}", "/a/b", "/{x}/b", "/a/{x}/c"])
        #expect(try routes.route("/a/b") == 3)
        #expect(try routes.route("/a/z") == 2)
        #expect(try routes.route("/q/b") == 4)
        #expect(try routes.route("/a/z/c") == 5)
        #expect(try routes.route("/a/z/d") == 1)
        #expect(try routes.route("/z/z/z") == 0)
    }

    @Test("a literal first segment beats a param first segment even when the rest is less specific")
    func earlierSegmentsDecide() throws {
        let routes = try table(["/{x}/b/c", "/a/**"])
        #expect(try routes.route("/a/b/c") == 1)
        #expect(try routes.route("/q/b/c") == 0)
    }

    @Test("matching backtracks out of a literal branch that dead-ends")
    func backtracking() throws {
        let routes = try table(["/a/b/c", "/a/{x}/d"])
        #expect(try routes.route("/a/b/d") == 1)
        #expect(try routes.route("/a/b/c") == 0)
        #expect(try routes.route("/a/b/e") == nil)
    }

    @Test("backtracking reaches a catch-all higher up after deeper branches fail")
    func backtrackingToCatchAll() throws {
        let routes = try table(["/a/b/c/d", "/a/{x}/c/e", "/a/**", "/{y}/b/{z}/f"])
        #expect(try routes.route("/a/b/c/f") == 2)
        #expect(try routes.route("/a/b/c/e") == 1)
        #expect(try routes.route("/a/b/c/d") == 0)
        #expect(try routes.route("/a/b/x/f") == 2)
        #expect(try routes.route("/z/b/x/f") == 3)
    }

    @Test("{param} matches exactly one non-empty segment")
    func parameters() throws {
        let routes = try table(["/users/{id}", "/users/{id}/posts/{post}"])
        #expect(try routes.route("/users/42") == 0)
        #expect(try routes.route("/users/a%20b") == 0)
        #expect(try routes.route("/users/42/posts/7") == 1)
        #expect(try routes.route("/users") == nil)
        #expect(try routes.route("/users/") == nil)
        #expect(try routes.route("/users/42/posts") == nil)
        #expect(try routes.route("/users/42/posts/7/x") == nil)
        #expect(try routes.route("/users//posts/7") == nil)
    }

    @Test("/** matches zero, one or many segments, empty ones included")
    func catchAll() throws {
        let routes = try table(["/public/**"])
        #expect(try routes.route("/public") == 0)
        #expect(try routes.route("/public/") == 0)
        #expect(try routes.route("/public/a") == 0)
        #expect(try routes.route("/public/a/b/c/d") == 0)
        #expect(try routes.route("/public//x") == 0)
        #expect(try routes.route("/publicity") == nil)
        #expect(try routes.route("/") == nil)
    }

    @Test("an exact route beats a /** matching zero segments at the same place")
    func exactBeatsEmptyCatchAll() throws {
        let routes = try table(["/a/**", "/a"])
        #expect(try routes.route("/a") == 1)
        #expect(try routes.route("/a/") == 0)
        #expect(try routes.route("/a/b") == 0)
    }

    @Test("the root route matches only '/', '/**' matches everything")
    func root() throws {
        let rootOnly = try table(["/"])
        #expect(try rootOnly.route("/") == 0)
        #expect(try rootOnly.route("/?x=1") == 0)
        #expect(try rootOnly.route("//") == nil)
        #expect(try rootOnly.route("/a") == nil)
        let both = try table(["/**", "/"])
        #expect(try both.route("/") == 1)
        #expect(try both.route("//") == 0)
        #expect(try both.route("/x/y") == 0)
    }

    @Test("empty segments are matched literally: no route without /** matches them")
    func emptySegments() throws {
        let routes = try table(["/a/b", "/a/{x}"])
        #expect(try routes.route("/a//b") == nil)
        #expect(try routes.route("//a/b") == nil)
        #expect(try routes.route("/a/b/") == nil)
        #expect(try routes.route("/a/") == nil)
    }

    @Test("literals compare by decoded bytes, case-sensitively")
    func percentEncodedLiterals() throws {
        let routes = try table(["/admin/**", "/**", "/caf%C3%A9"])
        #expect(try routes.route("/%61dmin/x") == 0)
        #expect(try routes.route("/%61%64%6D%69%6E") == 0)
        #expect(try routes.route("/%61%64%6d%69%6e/x") == 0)
        #expect(try routes.route("/Admin/x") == 1)
        #expect(try routes.route("/caf%c3%a9") == 2)
    }

    @Test("the query plays no part in matching")
    func queryIgnored() throws {
        let routes = try table(["/a/b"])
        #expect(try routes.route("/a/b?x=/c/d") == 0)
        #expect(try routes.route("/a?/b") == nil)
    }

    @Test("an empty table finds nothing")
    func emptyTable() throws {
        let routes = try RouteTable([])
        #expect(try routes.lookup("/", host: "example.com") == RouteLookup(match: .notFound, mostSpecific: nil))
        #expect(routes.routeIndicesInPriorityOrder.isEmpty)
        #expect(routes.count == 0)
    }
}
