import Logging
import Synchronization

/// Records every log call of the loggers it hands out, at every level, so tests can check what was (and
/// was never) logged.
public final class LogCapture: Sendable {
    /// One log call.
    public struct Record: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// Its message.
        public var message: String
        /// The logger's metadata merged with the call's.
        public var metadata: Logger.Metadata
        /// Message and metadata as one string, for "never logged" checks.
        public var text: String { "\(message) \(metadata)" }
    }

    private let stored = Mutex<[Record]>([])

    /// An empty capture.
    public init() {}

    /// Every record so far, in order.
    public var records: [Record] { stored.withLock { $0 } }

    /// The records whose message is exactly `message`.
    public func records(_ message: String) -> [Record] { records.filter { $0.message == message } }

    /// How many messages contain `text`.
    public func count(containing text: String) -> Int { records.filter { $0.message.contains(text) }.count }

    /// Every message and metadata value, as one text to search.
    public var text: String { records.map(\.text).joined(separator: "\n") }

    /// A logger at `trace` that records here.
    public func logger(label: String = "x402.test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// A logger at `trace` that records here.
    public var logger: Logger { logger() }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.stored.withLock { $0.append(Record(level: event.level, message: event.message.description, metadata: merged)) }
        }
    }
}
