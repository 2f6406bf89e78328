import Foundation
import Testing
import X402Core
import X402Hummingbird

/// Bad `/verify` and `/settle` bodies get a 4xx JSON answer and never reach the scheme.
@Suite struct MalformedBodyTests {
    static func valid() -> String { String(decoding: try! requestBody(), as: UTF8.self) }

    static let cases: [(name: String, body: String, code: FacilitatorHTTPError.Code)] = [
        ("empty", "", .invalidJSON),
        ("not JSON", "hello", .invalidJSON),
        ("truncated", String(valid().dropLast(10)), .invalidJSON),
        ("trailing data", valid() + "x", .invalidJSON),
        ("duplicate key", #"{"x402Version":2,"x402Version":2}"#, .invalidJSON),
        ("200-deep nesting", String(repeating: "[", count: 200) + String(repeating: "]", count: 200), .invalidJSON),
        ("deep inside a valid body", valid().replacingOccurrences(of: #""signature":"good""#,
            with: #""signature":"# + String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200)), .invalidJSON),
        ("top-level array", "[]", .invalidRequest),
        ("top-level string", #""verify""#, .invalidRequest),
        ("missing fields", #"{"x402Version":2}"#, .invalidRequest),
        ("missing payload", valid().replacingOccurrences(of: #""paymentPayload""#, with: #""payment""#), .invalidRequest),
        ("version as string", valid().replacingOccurrences(of: #"{"x402Version":2"#, with: #"{"x402Version":"2""#), .invalidRequest),
        ("amount as number", valid().replacingOccurrences(of: #""amount":"1000""#, with: #""amount":1000"#), .invalidRequest),
        ("requirements as array", String(valid().replacingOccurrences(of: #""paymentRequirements":{"#,
                                                                     with: #""paymentRequirements":[{"#).dropLast()) + "]}", .invalidRequest),
        ("null requirements", #"{"x402Version":2,"paymentPayload":null,"paymentRequirements":null}"#, .invalidRequest),
    ]

    @Test(arguments: ["/verify", "/settle"])
    func malformedBodiesAre400(path: String) async throws {
        let scheme = FakeScheme()
        try await TestServer.with(facilitator: makeFacilitator(scheme)) { server in
            for (name, body, code) in Self.cases {
                let answer = try await server.post(path, Array(body.utf8))
                #expect(answer.status == 400, "\(name)")
                #expect(answer.header("Content-Type") == "application/json", "\(name)")
                let error = try #require(answer.error, "\(name): \(answer.text)")
                #expect(error.error == code, "\(name): \(error)")
                #expect(!error.message.isEmpty, "\(name)")
            }
            #expect(scheme.calls.isEmpty)
            // The connection and the service are still fine.
            #expect(try await server.post(path, requestBody()).status == 200)
        }
    }

    @Test func overTheBodyLimitIs413() async throws {
        let scheme = FakeScheme()
        let limit = 4096
        let configuration = FacilitatorHTTPConfiguration(port: 0, maxBodyBytes: limit)
        try await TestServer.with(facilitator: makeFacilitator(scheme), configuration: configuration) { server in
            // Valid JSON just over the limit: refused by size, not by content.
            let big = try requestBody(PaymentPayload(payload: ["signature": "good", "pad": .string(String(repeating: "a", count: limit))],
                                                     accepted: requirements))
            #expect(big.count > limit)
            for stream in [false, true] {
                for path in ["/verify", "/settle"] {
                    let answer = try await server.request(.post, path, body: big, stream: stream)
                    #expect(answer.status == 413, "\(path) chunked: \(stream)")
                    #expect(answer.error?.error == .payloadTooLarge, "\(path) chunked: \(stream)")
                }
            }
            #expect(scheme.calls.isEmpty)
            // Exactly at the limit is accepted.
            let fill = 2 * limit - big.count
            let exact = try requestBody(PaymentPayload(payload: ["signature": "good", "pad": .string(String(repeating: "a", count: fill))],
                                                       accepted: requirements))
            #expect(exact.count == limit)
            #expect(try await server.post("/verify", exact).status == 200)
        }
    }

    @Test func defaultLimitTakesBodiesBeyondOneMebibyte() async throws {
        // The parser's own default is 1 MiB; the service must apply its 2 MiB body limit instead.
        try await TestServer.with(facilitator: makeFacilitator(FakeScheme())) { server in
            let rows: [JSONValue] = (0..<300).map { i in
                ["channelId": .string("0x" + String(repeating: "ab", count: 32)), "cumulativeAmount": .string(String(i * 1000)),
                 "signature": .string("0x" + String(repeating: "cd", count: 65)), "index": .string(String(i))]
            }
            let body = try requestBody(PaymentPayload(payload: ["signature": "good", "claims": .array(rows),
                                                                "pad": .string(String(repeating: "p", count: 1_400_000))],
                                                      accepted: requirements))
            #expect(body.count > 1 << 20 && body.count < 2 << 20)
            let answer = try await server.post("/settle", body)
            #expect(answer.status == 200)
            #expect(try answer.decode(SettleResponse.self).success)
        }
    }
}
