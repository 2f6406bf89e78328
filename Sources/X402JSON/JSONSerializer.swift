/// Compact JSON output (no spaces), the byte form the Python SDK's pydantic serialiser produces:
/// keys in stored order, non-ASCII written raw as UTF-8, only `"`, `\` and control characters escaped.
public enum JSONSerializer {
    /// Serialises `value` to compact UTF-8 JSON bytes.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Serialises `value` to a compact JSON string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    /// Serialises `value` as indented, human-readable JSON (`indent` spaces per level, `": "` after keys),
    /// keys in stored order; for display only: the wire uses the compact form.
    public static func prettyString(_ value: JSONValue, indent: Int = 2) -> String {
        var out: [UInt8] = []
        writePretty(value, level: 0, indent: indent, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func writePretty(_ value: JSONValue, level: Int, indent: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: level * indent))
        }
        switch value {
        case .array(let items) where !items.isEmpty:
            out.append(0x5B)
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(0x2C) }
                newline(level + 1)
                writePretty(item, level: level + 1, indent: indent, into: &out)
            }
            newline(level)
            out.append(0x5D)
        case .object(let object) where !object.isEmpty:
            out.append(0x7B)
            for (k, entry) in object.enumerated() {
                if k > 0 { out.append(0x2C) }
                newline(level + 1)
                writeString(entry.key, into: &out)
                out.append(contentsOf: [0x3A, 0x20])
                writePretty(entry.value, level: level + 1, indent: indent, into: &out)
            }
            newline(level)
            out.append(0x7D)
        default:
            write(value, into: &out)
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .number(let n): out.append(contentsOf: n.text.utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(0x2C) }
                write(item, into: &out)
            }
            out.append(0x5D)
        case .object(let object):
            out.append(0x7B)
            for (k, entry) in object.enumerated() {
                if k > 0 { out.append(0x2C) }
                writeString(entry.key, into: &out)
                out.append(0x3A)
                write(entry.value, into: &out)
            }
            out.append(0x7D)
        }
    }

    /// Appends `s` as a JSON string (quoted, escaped as ``serialize(_:)`` escapes it).
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s  // withUTF8 needs `inout`; a native string is not copied
        s.withUTF8 { bytes in
            out.append(0x22)
            // Copy runs of bytes that need no escape in one append; escape the rest.
            var runStart = 0
            var i = 0
            let n = bytes.count
            while i < n {
                // Skip eight plain bytes at a time (no quote, backslash or control character in the word).
                if let base = bytes.baseAddress, i + 8 <= n,
                   !JSONWordScan.needsEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                    continue
                }
                let c = bytes[i]
                guard c < 0x20 || c == 0x22 || c == 0x5C else { i += 1; continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x08: out.append(contentsOf: [0x5C, 0x62])
                case 0x0C: out.append(contentsOf: [0x5C, 0x66])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
                }
                runStart = i + 1
                i += 1
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
            out.append(0x22)
        }
    }
}
