import HTTPTypes
import Testing
@testable import X402Core

@Suite struct RouteTableTests {
    func config(_ description: String) -> RouteConfig { RouteConfig(accepts: [], description: description) }

    func matched(_ table: RouteTable, _ method: HTTPRequest.Method, _ path: String) -> String? {
        table.match(method: method, path: path)?.config.description
    }

    @Test func methodsAndAnyMethod() throws {
        let table = try RouteTable(["GET /weather": config("get"), "POST /weather": config("post"), "/report": config("any")])
        #expect(matched(table, .get, "/weather") == "get")
        #expect(matched(table, .post, "/weather") == "post")
        #expect(matched(table, .put, "/weather") == nil)
        #expect(matched(table, .delete, "/report") == "any")
        #expect(matched(table, .get, "/other") == nil)
        #expect(try RouteTable(["get /x": config("lower")]).match(method: .get, path: "/x") != nil)
    }

    @Test func wildcards() throws {
        let table = try RouteTable([
            "/api/*/data": config("segment"),
            "/files/*.png": config("glob"),
            "/users/:id": config("param"),
            "/items/[id]/detail": config("bracket"),
            "/premium/*": config("rest"),
        ])
        #expect(matched(table, .get, "/api/v1/data") == "segment")
        #expect(matched(table, .get, "/api/v1/v2/data") == nil)
        #expect(matched(table, .get, "/api/data") == nil)
        #expect(matched(table, .get, "/files/cat.png") == "glob")
        #expect(matched(table, .get, "/files/cat.jpg") == nil)
        #expect(matched(table, .get, "/files/dir/cat.png") == nil)
        #expect(matched(table, .get, "/users/42") == "param")
        #expect(matched(table, .get, "/users/42/x") == nil)
        #expect(matched(table, .get, "/items/7/detail") == "bracket")
        // A trailing /* covers the prefix itself and everything below it.
        #expect(matched(table, .get, "/premium") == "rest")
        #expect(matched(table, .get, "/premium/") == "rest")
        #expect(matched(table, .get, "/premium/a/b/c") == "rest")
        #expect(matched(table, .get, "/premiums") == nil)
        #expect(try RouteTable(["*": config("all")]).match(method: .patch, path: "/anything/at/all") != nil)
    }

    @Test func firstMatchingRouteWins() throws {
        let table = try RouteTable(["/api/*": config("broad"), "GET /api/special": config("specific")])
        #expect(matched(table, .get, "/api/special") == "broad")
        let reversed = try RouteTable(["GET /api/special": config("specific"), "/api/*": config("broad")])
        #expect(matched(reversed, .get, "/api/special") == "specific")
        #expect(matched(reversed, .post, "/api/special") == "broad")
    }

    @Test func pathNormalizationCannotBypassARoute() throws {
        let table = try RouteTable(["/paid/content": config("paid")])
        #expect(matched(table, .get, "/paid/content?x=1#frag") == "paid")
        #expect(matched(table, .get, "//paid///content/") == "paid")
        #expect(matched(table, .get, "/PAID/Content") == "paid")
        #expect(matched(table, .get, "/%70aid/content") == "paid")
        // An escaped slash stays inside its segment.
        #expect(matched(table, .get, "/paid%2Fcontent") == nil)
        #expect(matched(try RouteTable(["/a/*": config("a")]), .get, "/a%2Fb") == nil)
    }

    @Test func invalidPatterns() {
        for bad in ["paid", "GET paid", "GET /a extra", "G@T /a", ""] {
            #expect(throws: X402Error.self, "\(bad)") { try RouteTable([(bad, config("x"))]) }
        }
    }

    /// The byte-wise ASCII normalization gives the same segments as the general one.
    @Test func asciiNormalizationMatchesGeneral() {
        func general(_ target: String) -> [[UInt8]] {
            var path = Substring(target)
            if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
            return path.split(separator: "/", omittingEmptySubsequences: true)
                .map { RouteTable.lowered(RouteTable.percentDecode($0) ?? Array($0.utf8)) }
        }
        for target in ["/", "", "/paid", "//paid///Content/", "/a?b/c", "/a#x?y", "?", "/%70aid/%2F", "/bad%zz/%4", "/A/B/c?Q=/D",
                       "no-slash", "/x//", "/%41%42"] {
            #expect(RouteTable.normalizeASCII(target) == general(target), "\(target)")
            #expect(RouteTable.normalize(target) == general(target), "\(target)")
        }
        #expect(RouteTable.normalizeASCII("/caf\u{E9}") == nil)
        #expect(RouteTable.normalize("/caf\u{E9}/x?q") == general("/caf\u{E9}/x?q"))
    }

    @Test func plainMatcherAgreesWithSegments() throws {
        let table = try RouteTable([
            ("GET /paid", config("a")), ("POST /api/:id/items", config("b")), ("/docs/*", config("c")),
            ("GET /files/*.json", config("d")), ("/Mixed/Case", config("e")), ("PUT *", config("f")),
        ])
        let noGlobs = try RouteTable([("GET /paid", config("a")), ("/api/[id]/x", config("b")), ("/deep/*", config("c"))])
        var targets = ["/", "", "/paid", "/PAID", "//paid//", "/paid?x=1", "/paid#f", "/paid/x", "/pai", "/api/7/items",
                       "/api/7/items/", "/api//7/items", "/api/7", "/docs", "/docs/", "/docs/a/b?c", "/files/a.json",
                       "/mixed/CASE", "/x%2Fy", "/%70aid", "/caf\u{E9}", "/paid?caf\u{E9}", "no-slash", "/deep", "/api/x/x"]
        // Every prefix of a few targets, so each segment boundary is met.
        for whole in ["/api/42/items?q", "//docs///x/", "/Mixed/Case/more"] {
            targets += whole.indices.map { String(whole[..<$0]) }
        }
        for t in [table, noGlobs] {
            for target in targets {
                for method: HTTPRequest.Method in [.get, .post, .put, .head] {
                    #expect(t.match(method: method, path: target)?.index == t.matchBySegments(method: method, path: target)?.index,
                            "\(method) \(target)")
                }
            }
        }
        // Without globs, escapes or non-ASCII bytes the plain matcher decides (and allocates nothing).
        var paid = "/api/9/x?y"
        #expect(paid.withUTF8 { noGlobs.matchPlain(method: .get, $0) } != nil)
        var escaped = "/%70aid"
        #expect(escaped.withUTF8 { noGlobs.matchPlain(method: .get, $0) } == nil)
    }
}
