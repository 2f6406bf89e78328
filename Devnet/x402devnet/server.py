"""HTTP/1.1 JSON-RPC server: keep-alive, TCP_NODELAY, one thread per connection, one chain lock."""
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .rpc import handle_body

MAX_BODY = 64 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "x402-devnet"
    sys_version = ""

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):  # quiet: one line per request would swamp stderr
        pass

    def _send(self, status, body, content_type="application/json"):
        head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                "Access-Control-Allow-Origin: *\r\n\r\n"
                % (status, self.responses.get(status, ("",))[0], content_type, len(body)))
        self.wfile.write(head.encode() + body)
        self.wfile.flush()

    def do_POST(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            try:
                n = int(length or 0)
            except ValueError:
                n = -1
            if n < 0 or n > MAX_BODY:
                self.close_connection = True
                self._send(413 if n > MAX_BODY else 400, b'{"error":"bad Content-Length"}')
                return
            body = self.rfile.read(n)
        out = handle_body(self.server.methods, body, self.server.log)
        self._send(200, out)

    def _read_chunked(self):
        chunks = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                break
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)
        return b"".join(chunks)

    def do_GET(self):
        self._send(200, b'{"status":"ok","service":"x402 devnet JSON-RPC; POST JSON-RPC here"}')

    def do_OPTIONS(self):
        head = ("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n"
                "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
                "Access-Control-Allow-Headers: Content-Type\r\nContent-Length: 0\r\n\r\n")
        self.wfile.write(head.encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, methods, log):
        self.methods = methods
        self.log = log
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, BrokenPipeError)):
            return
        self.log("connection error from %s: %r" % (client_address, exc))
