import ArgumentParser
import X402BatchSettlement
import X402Core
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `x402 decode`: turns any x402 header into indented JSON and lists what is wrong with it.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode and check an x402 header (PAYMENT-REQUIRED, PAYMENT-SIGNATURE or PAYMENT-RESPONSE).",
        discussion: """
            Prints the header's JSON, indented, on stdout; then, on stderr, what was checked and each problem with \
            its protocol error code. The header value (base64) or its JSON comes as the argument or on stdin. \
            Exit status: 0 valid, 1 invalid, 2 unreadable.
            """)

    @Argument(help: "The header value (base64 JSON) or JSON text; read from stdin when absent or '-'.")
    var header: String?

    @Option(help: "Force the kind instead of detecting it: required, signature or response.")
    var kind: String?

    func run() throws {
        let text: String
        if let header, header != "-" {
            text = header
        } else {
            text = readStandardInput(limit: 1 << 20)
        }
        var forced: X402HeaderKind?
        switch kind {
        case nil: forced = nil
        case "required": forced = .paymentRequired
        case "signature": forced = .paymentSignature
        case "response": forced = .paymentResponse
        case let other?: throw ValidationError("unknown kind \(other): use required, signature or response")
        }
        let inspection: HeaderInspection
        do {
            inspection = try HeaderInspection(text, kind: forced)
        } catch {
            printError("unreadable: \(error)")
            throw ExitCode(2)
        }
        print(JSONSerializer.prettyString(inspection.json))
        printError("kind: \(inspection.kind.rawValue)")
        for note in inspection.notes { printError("note: \(note)") }
        for problem in inspection.problems { printError("error \(problem.code): \(problem.message)") }
        if inspection.isValid {
            printError("valid")
        } else {
            printError("invalid: \(inspection.problems.count) problem(s)")
            throw ExitCode(1)
        }
    }
}

/// Reads stdin up to `limit` bytes (more is cut, and then fails to parse, instead of exhausting memory).
func readStandardInput(limit: Int) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while bytes.count <= limit {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes.prefix(limit + 1), as: UTF8.self)
}

/// One line on stderr.
func printError(_ line: String) {
    var line = line + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
