import Testing
import X402Core

/// The worst legal 64 KiB PAYMENT-SIGNATURE shapes (also in Benchmarks/, where their time is measured):
/// each is decoded or rejected with a typed error, never a trap.
@Suite struct WorstCaseHeaderTests {
    static let accepted = #"{"scheme":"batch-settlement","network":"eip155:84532","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","amount":"1000","payTo":"0x3325a78425F17a7E487Eb5666b2bFd93aBb06c70","maxTimeoutSeconds":300,"extra":{}}"#

    /// A header just under the limit with `filler(n)` as the scheme payload, n as large as fits.
    static func header(_ filler: (Int) -> String) -> String {
        func build(_ n: Int) -> String { #"{"x402Version":2,"payload":\#(filler(n)),"accepted":\#(accepted)}"# }
        var lo = 1, hi = 1 << 16
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if build(mid).utf8.count <= HeaderCodec.maxEncodedLength / 4 * 3 { lo = mid } else { hi = mid - 1 }
        }
        let value = Base64.encode(Array(build(lo).utf8))
        #expect(value.utf8.count <= HeaderCodec.maxEncodedLength && value.utf8.count > HeaderCodec.maxEncodedLength * 99 / 100)
        return value
    }

    func parseErrorKind(_ value: String) -> JSONParseError.Kind? {
        do {
            _ = try HeaderCodec.decodePaymentSignature(value)
            return nil
        } catch {
            if case .malformedJSON(let e) = error { return e.kind }
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func manyKeysUpToTheCapDecode() throws {
        let value = Self.header { n in "{" + (0..<1023).map { "\"k\($0)\":[\($0)]" }.joined(separator: ",") + ",\"pad\":\"" + String(repeating: "x", count: n) + "\"}" }
        #expect(try HeaderCodec.decodePaymentSignature(value).payload.count == 1024)
    }

    @Test func moreKeysThanTheCapAreRejected() {
        #expect(parseErrorKind(Self.header { n in "{" + (0..<n).map { "\"\($0)\":0" }.joined(separator: ",") + "}" }) == .tooManyKeys)
    }

    @Test func tooDeepIsRejected() {
        #expect(parseErrorKind(Self.header { n in String(repeating: "[", count: n) }) == .tooDeep)
        #expect(parseErrorKind(Self.header { n in String(repeating: #"{"a":"#, count: n / 5) }) == .tooDeep)
    }

    @Test func wideShapesAreWellFormedButNotAPayloadObject() {
        // `payload` must be an object: these parse as JSON, then fail the shape check with a typed error.
        for filler: (Int) -> String in [
            { n in Self.chunkedArrays(n, element: "0") },
            { n in Self.chunkedArrays(n, element: "{}") },
            { n in "\"" + String(repeating: #"\u00e9"#, count: n) + "\"" },
            { n in String(repeating: "9", count: n) },
        ] {
            #expect(throws: HeaderCodecError.self) { try HeaderCodec.decodePaymentSignature(Self.header(filler)) }
            do { _ = try HeaderCodec.decodePaymentSignature(Self.header(filler)) } catch {
                guard case .invalidShape = error else { Issue.record("expected invalidShape, got \(error)"); continue }
            }
        }
    }

    /// `n` copies of `element`, as arrays of at most 4,096 elements (the cap) inside one array.
    static func chunkedArrays(_ n: Int, element: String) -> String {
        let chunks = stride(from: 0, to: n, by: 4096).map { "[" + Array(repeating: element, count: min(4096, n - $0)).joined(separator: ",") + "]" }
        return "[" + chunks.joined(separator: ",") + "]"
    }

    @Test func deepAndWideJustUnderTheCapsParses() throws {
        // 60 levels, then arrays of 4,096: every cap reached but none exceeded; the payload must be an object.
        let value = Self.header { n in String(repeating: "[", count: 60) + Self.chunkedArrays(n, element: "1") + String(repeating: "]", count: 60) }
        #expect(throws: HeaderCodecError.self) { try HeaderCodec.decodePaymentSignature(value) }
        do { _ = try HeaderCodec.decodePaymentSignature(value) } catch {
            guard case .invalidShape = error else { Issue.record("expected invalidShape (well-formed JSON), got \(error)"); return }
        }
    }

    @Test func longerArraysThanTheCapAreRejected() {
        #expect(parseErrorKind(Self.header { n in "[" + Array(repeating: "0", count: n).joined(separator: ",") + "]" }) == .tooManyElements)
        #expect(parseErrorKind(Self.header { n in "[" + Array(repeating: "{}", count: n).joined(separator: ",") + "]" }) == .tooManyElements)
    }

    @Test func oneByteOverTheLimitIsRejectedBeforeDecoding() {
        let value = String(repeating: "A", count: HeaderCodec.maxEncodedLength + 4)
        #expect(throws: HeaderCodecError.tooLarge(length: HeaderCodec.maxEncodedLength + 4, limit: HeaderCodec.maxEncodedLength)) {
            try HeaderCodec.decodePaymentSignature(value)
        }
    }
}
