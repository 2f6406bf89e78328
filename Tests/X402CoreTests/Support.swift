import Foundation
import X402Core
import X402EVMMechanisms

/// Loads a file of `Vectors/` (repository root), found relative to this source file.
func loadVector(_ name: String) throws -> JSONValue {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let data = try Data(contentsOf: root.appendingPathComponent("Vectors").appendingPathComponent(name))
    return try JSONParser.parse(Array(data))
}

