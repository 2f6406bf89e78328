import Synchronization
import X402BatchSettlementClient

/// The buyer's file channel storage, opened on first use: an `x402 pay` that ends up paying with `exact` (or not at
/// all) leaves no state directory behind.
final class LazyFileClientChannelStorage: ClientChannelStorage {
    let directory: String
    private let opened = Mutex<FileClientChannelStorage?>(nil)

    init(directory: String) { self.directory = directory }

    /// The storage, opening (and creating) the directory the first time.
    func storage() throws(BatchSettlementClientError) -> FileClientChannelStorage {
        try opened.withLock { (current: inout FileClientChannelStorage?) throws(BatchSettlementClientError) -> FileClientChannelStorage in
            if let current { return current }
            let storage = try FileClientChannelStorage(directory: directory)
            current = storage
            return storage
        }
    }

    func channel(_ key: String) async throws -> ClientChannelRecord? { try await storage().channel(key) }

    func save(_ record: ClientChannelRecord) async throws { try await storage().save(record) }

    func delete(_ key: String) async throws { try await storage().delete(key) }

    func channels() async throws -> [ClientChannelRecord] { try await storage().channels() }

    /// Closes the storage if it was opened.
    func close() async {
        if let storage = opened.withLock({ $0 }) { await storage.close() }
    }
}
