import PostgresNIO
import Testing
import X402Postgres

/// Database URLs as scripts/postgres and operators write them (no server needed).
@Suite struct PostgresURLTests {
    @Test func parsesLibpqStyleURLs() throws {
        let configuration = try PostgresClient.Configuration(url: "postgresql://alice:p%40ss@db.example:6543/ledger?sslmode=require")
        #expect(configuration.host == "db.example" && configuration.port == 6543)
        #expect(configuration.username == "alice" && configuration.password == "p@ss" && configuration.database == "ledger")
        let defaults = try PostgresClient.Configuration(url: "postgres://bob@127.0.0.1/x")
        #expect(defaults.port == 5432 && defaults.password == nil && defaults.database == "x")
        for bad in ["mysql://a@b/c", "postgres://127.0.0.1/x", "postgres://a@/x", "postgres://a@h/x?sslmode=sometimes"] {
            #expect(throws: PostgresURLError.self, "\(bad)") { _ = try PostgresClient.Configuration(url: bad) }
        }
        // The password never appears in the error.
        do {
            _ = try PostgresClient.Configuration(url: "postgres://a:secret@h/x?sslmode=maybe")
        } catch {
            #expect(!"\(error)".contains("secret"))
        }
    }
}
