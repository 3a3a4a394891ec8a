"""Fixtures shared by the data hub's tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


class Received(list):
    """The notification bodies received, in order; ``headers``: the request headers of each."""

    def __init__(self):
        super().__init__()
        self.headers = []


@pytest.fixture
def receiver(settings):
    """A notification endpoint on the loopback, which the test allows explicitly (the default policy refuses
    every internal address)."""
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.headers.append(dict(self.headers))
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/notify", received
    server.shutdown()
