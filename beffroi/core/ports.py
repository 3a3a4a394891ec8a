"""Is a TCP port free to serve on? (pure: standard library only)

Granian binds its socket with SO_REUSEPORT, so a second `beffroi serve` on the same port would bind too and the
kernel would share the connections between two unrelated servers, silently. Before starting, a probe socket is
bound *without* SO_REUSEPORT: it fails while anything listens on the port. SO_REUSEADDR is set so that a
connection of a previous run still in TIME_WAIT does not count as "in use".
"""

from __future__ import annotations

import socket


class PortInUse(OSError):
    """Something already listens on the address; `message` is French, for the person starting the server."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        self.message = (
            f"Le port {port} de {host} est déjà utilisé (un autre « beffroi serve » ou un autre serveur y écoute) : "
            f"arrêtez-le, ou choisissez un autre port avec --port. ({reason})"
        )
        super().__init__(self.message)


def ensure_port_free(host: str, port: int) -> None:
    """Raise `PortInUse` unless a server could listen on `host`:`port` alone."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise PortInUse(host, port, str(error)) from None
    family, kind, proto, _name, address = infos[0]
    probe = socket.socket(family, kind, proto)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        probe.listen(1)
    except OSError as error:
        raise PortInUse(host, port, error.strerror or str(error)) from None
    finally:
        probe.close()
