"""`beffroi serve` refuses a port another server listens on (issue #16 item 9): Granian's SO_REUSEPORT would
otherwise let two servers share it silently."""

import socket
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from beffroi.core.ports import PortInUse, ensure_port_free


def listening_like_granian(port: int = 0) -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    return server


def test_the_check_passes_on_a_free_port_and_refuses_it_once_taken():
    first = listening_like_granian()
    port = first.getsockname()[1]
    first.close()
    ensure_port_free("127.0.0.1", port)  # free: the first server may start
    first = listening_like_granian(port)
    try:
        # the port the first server holds: a second SO_REUSEPORT socket could bind, the probe cannot
        second = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        second.bind(("127.0.0.1", port))
        second.close()
        with pytest.raises(PortInUse) as refused:
            ensure_port_free("127.0.0.1", port)
        assert f"Le port {port} de 127.0.0.1 est déjà utilisé" in refused.value.message
    finally:
        first.close()


def test_serve_stops_with_a_french_message_before_starting_granian():
    server = listening_like_granian()
    port = server.getsockname()[1]
    try:
        with mock.patch("granian.Granian") as granian, pytest.raises(CommandError, match="déjà utilisé"):
            call_command("serve", "--port", str(port), "--no-collectstatic")
        granian.assert_not_called()
    finally:
        server.close()
