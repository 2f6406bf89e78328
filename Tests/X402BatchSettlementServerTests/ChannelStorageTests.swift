import Foundation
import Testing
import X402BatchSettlement
import X402ChannelStorageContract
import X402EVM
import X402JSON

struct InMemoryChannelStorageTests {
    @Test(arguments: ChannelStorageContract.allCases)
    func contract(_ check: ChannelStorageContract) async throws {
        try await check.run { InMemoryChannelStorage() }
    }
}

struct FileChannelStorageTests {
    @Test(arguments: ChannelStorageContract.allCases)
    func contract(_ check: ChannelStorageContract) async throws {
        try await withDirectory { directory in
            try await check.run { try FileChannelStorage(directory: directory) }
        }
    }

    @Test(arguments: ChannelStorageContract.allCases)
    func contractWithCompactionAfterEveryFewWrites(_ check: ChannelStorageContract) async throws {
        try await withDirectory { directory in
            try await check.run { try FileChannelStorage(directory: directory, compactionThreshold: 2) }
        }
    }

    @Test func reopeningKeepsEverything() async throws {
        try await withDirectory { directory in
            let (id, other) = (ChannelStorageContract.channelId(1), ChannelStorageContract.channelId(2))
            let large = ChannelStorageContract.largeChannel(id)
            let reservation = ChannelStorageContract.reservation("p", expiresAt: 5_000)
            do {
                let storage = try FileChannelStorage(directory: directory)
                try await storage.update(id) { $0 = large }
                try await storage.update(other) { $0 = ChannelStorageContract.channel(other, charged: 3) }
                _ = try await storage.reserve(other, reservation, now: 0)
                try await storage.setManagerState("settle", ["pending": true])
                await storage.close()
            }
            let storage = try FileChannelStorage(directory: directory)
            #expect(try await storage.channel(id) == large)
            #expect(try await storage.channel(other) == ChannelStorageContract.channel(other, charged: 3))
            #expect(try await storage.reservation(other, now: 0) == reservation)
            #expect(try await storage.managerState("settle") == ["pending": true])
            #expect(try await storage.channels().count == 2)
        }
    }

    @Test func compactionKeepsTheStateAndShrinksTheLog() async throws {
        try await withDirectory { directory in
            let id = ChannelStorageContract.channelId(1)
            do {
                let storage = try FileChannelStorage(directory: directory, compactionThreshold: 10)
                try await ChannelStorageContract.incrementConcurrently([storage], id, times: 100)
                _ = try await storage.reserve(id, ChannelStorageContract.reservation("p", expiresAt: 9), now: 0)
                await storage.close()
            }
            let lines = try String(contentsOfFile: directory + "/channels.log", encoding: .utf8).split(separator: "\n")
            #expect(lines.count < 15, "\(lines.count) lines")
            let storage = try FileChannelStorage(directory: directory)
            #expect(try await storage.channel(id)?.chargedCumulativeAmount == 100)
            #expect(try await storage.reservation(id, now: 0)?.pendingId == "p")
        }
    }

    @Test func aTornLastRecordIsDropped() async throws {
        try await withDirectory { directory in
            let id = ChannelStorageContract.channelId(1)
            do {
                let storage = try FileChannelStorage(directory: directory)
                try await storage.update(id) { $0 = ChannelStorageContract.channel(id, charged: 1) }
                try await storage.update(id) { $0?.chargedCumulativeAmount = 2 }
                await storage.close()
            }
            // A crash in the middle of the third write: half a line, no newline.
            let path = directory + "/channels.log"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let lastLine = bytes.dropLast().lastIndex(of: 0x0A)! + 1
            bytes.append(bytes[lastLine..<(lastLine + (bytes.count - lastLine) / 2)])
            try bytes.write(to: URL(fileURLWithPath: path))
            let storage = try FileChannelStorage(directory: directory)
            #expect(try await storage.channel(id)?.chargedCumulativeAmount == 2)
            // The torn bytes are gone: a new write starts on a line of its own and survives another reopen.
            try await storage.update(id) { $0?.chargedCumulativeAmount = 3 }
            await storage.close()
            #expect(try await FileChannelStorage(directory: directory).channel(id)?.chargedCumulativeAmount == 3)
        }
    }

    @Test func aCorruptCompleteRecordRefusesToOpen() async throws {
        try await withDirectory { directory in
            let id = ChannelStorageContract.channelId(1)
            do {
                let storage = try FileChannelStorage(directory: directory)
                try await storage.update(id) { $0 = ChannelStorageContract.channel(id) }
                await storage.close()
            }
            let handle = try #require(FileHandle(forWritingAtPath: directory + "/channels.log"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("{\"channel\":\"0x12\"}\n".utf8))
            try handle.close()
            #expect {
                _ = try FileChannelStorage(directory: directory)
            } throws: { ($0 as? ChannelStorageError)?.kind == .corrupt }
        }
    }

    @Test func aSecondOpenOfTheDirectoryFailsWhileTheFirstIsOpen() async throws {
        try await withDirectory { directory in
            let first = try FileChannelStorage(directory: directory)
            #expect {
                _ = try FileChannelStorage(directory: directory)
            } throws: { ($0 as? ChannelStorageError)?.kind == .locked }
            await first.close()
            await #expect { try await first.channels() } throws: { ($0 as? ChannelStorageError)?.kind == .unusable }
            // Closed: the lock is free again.
            let second = try FileChannelStorage(directory: directory)
            #expect(try await second.channels().isEmpty)
        }
    }

    private func withDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "x402-channels-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }
}
