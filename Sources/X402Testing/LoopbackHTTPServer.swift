#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

#if canImport(Glibc)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 for transport tests: real sockets, keep-alive, canned
/// answers. The handler sees method, path, headers and body, and may delay or drop its answer.
public final class LoopbackHTTPServer: Sendable {
    /// One request as received.
    public struct Request: Sendable {
        /// `GET`, `POST`, ...
        public var method: String
        /// The request target, e.g. `/verify`.
        public var path: String
        /// Header lines in order, names as sent.
        public var headers: [(String, String)]
        /// The body (Content-Length framed).
        public var body: [UInt8]

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    /// The canned answer to one request.
    public struct Response: Sendable {
        /// HTTP status code.
        public var status: Int
        /// Body bytes (sent with `Content-Type: application/json` and a Content-Length).
        public var body: [UInt8]
        /// Extra header lines.
        public var headers: [(String, String)]
        /// Sleep this many seconds before answering.
        public var delay: Double
        /// Close the connection without answering (the request was received).
        public var drop: Bool

        /// A response.
        public init(status: Int = 200, body: [UInt8], headers: [(String, String)] = [], delay: Double = 0, drop: Bool = false) {
            self.status = status
            self.body = body
            self.headers = headers
            self.delay = delay
            self.drop = drop
        }
    }

    /// The bound port.
    public let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let received = Mutex<[Request]>([])
    private let connectionCount = Mutex(0)
    /// Open connections and whether the server stopped: a stopped server must not keep answering on
    /// kept-alive connections (a client pool could reach them under a later server's recycled port).
    private let open = Mutex<(fds: Set<Int32>, stopped: Bool)>(([], false))

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }
    /// Every request received so far, in order.
    public var requests: [Request] { received.withLock { $0 } }
    /// Connections accepted so far (keep-alive reuse shows as fewer connections than requests).
    public var connections: Int { connectionCount.withLock { $0 } }

    /// Listens on `port` (0: any free port).
    public init(port: UInt16 = 0, _ handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// A loopback port with nothing listening on it: a connection is refused. The port stays bound (never listening)
    /// for the life of the process, so no server of a test running in parallel can take it and answer.
    public static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { close(fd); throw POSIXError(.EADDRINUSE) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A loopback port that was free a moment ago (bound, then closed), for a server a test starts on it later.
    /// Until then nothing holds it: unlike ``closedPort()``, another server may take it meanwhile.
    public static func releasedPort() throws -> UInt16 {
        let server = try LoopbackHTTPServer { _ in Response(body: []) }
        server.stop()
        return server.port
    }

    /// Stops accepting and closes every open connection.
    public func stop() {
        // Under the lock: a connection's fd is removed (then closed) under it too, so no fd number is reused meanwhile.
        // Once only: closing the listener's number twice could close another socket that reused it.
        open.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            for fd in state.fds { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 && errno == EINTR { continue }
            guard client >= 0 else { return }
            connectionCount.withLock { $0 += 1 }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ fd: Int32) {
        guard open.withLock({ state -> Bool in
            if state.stopped { return false }
            state.fds.insert(fd)
            return true
        }) else {
            close(fd)
            return
        }
        defer {
            open.withLock { _ = $0.fds.remove(fd) }
            close(fd)
        }
        var pending: [UInt8] = []
        while let request = readRequest(fd, &pending), !open.withLock({ $0.stopped }) {
            received.withLock { $0.append(request) }
            let response = handler(request)
            if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
            if response.drop { return }
            var head = "HTTP/1.1 \(response.status) Canned\r\nContent-Type: application/json\r\nContent-Length: \(response.body.count)\r\n"
            for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            guard writeAll(fd, Array(head.utf8) + response.body) else { return }
        }
    }

    private func readRequest(_ fd: Int32, _ pending: inout [UInt8]) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while true {
            if let end = find(separator, in: pending) {
                headerEnd = end
                break
            }
            guard readMore(fd, &pending) else { return nil }
        }
        guard let end = headerEnd else { return nil }
        let lines = String(decoding: pending[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let contentLength = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let bodyStart = end + 4
        while pending.count < bodyStart + contentLength {
            guard readMore(fd, &pending) else { return nil }
        }
        let body = Array(pending[bodyStart..<bodyStart + contentLength])
        pending.removeFirst(bodyStart + contentLength)
        return Request(method: requestLine.count > 0 ? String(requestLine[0]) : "",
                       path: requestLine.count > 1 ? String(requestLine[1]) : "", headers: headers, body: body)
    }

    private func readMore(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var n: Int
        // A signal meant for another part of the test process (a child's SIGCHLD) must not end the connection.
        repeat { n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } } while n < 0 && errno == EINTR
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, noSignal) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<i + needle.count].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
