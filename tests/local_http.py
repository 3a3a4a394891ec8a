"""Local stand-ins for the outside world in the outbound-request tests: an HTTP server on the loopback that
records every connection it accepts, and a name resolver that answers chosen addresses for chosen names."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REAL_GETADDRINFO = socket.getaddrinfo


class Recorder:
    """An HTTP server on 127.0.0.1 counting the connections it accepts and listing the requests it answers;
    ``respond(handler)`` writes each answer."""

    def __init__(self, respond):
        self.connections = 0
        self.requests = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def setup(self):
                recorder.connections += 1
                super().setup()

            def do_GET(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                recorder.requests.append((self.command, self.path, self.headers.get("Host")))
                respond(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path="/", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def ok(handler, body=b'{"ok": true}', status=200, content_type="application/json"):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def fake_dns(monkeypatch, answers):
    """Resolve each name of ``answers`` to its address (or to what calling it returns); other names as
    usual. Returns the list of names looked up."""
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host in answers:
            value = answers[host]
            address = value() if callable(value) else value
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls
