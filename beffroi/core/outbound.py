"""Requests that the platform makes to addresses its clients chose: the outbound-address policy.

Clients make the server fetch URLs (a remote JSON-LD ``@context``) and post to URLs (NGSI-LD subscription
notifications). Without care that is a server-side request forgery: a client could make the server talk to
itself, to the database on the local network or to a cloud metadata service, and learn from the answer what
is listening there. Every such request goes through :func:`request`, which

- accepts only ``http``/``https`` URLs and resolves the host name once (``getaddrinfo``, in a small pool so
  that a resolver that never answers holds no request for longer than the timeout);
- refuses the request when *any* resolved address is not a public Internet address (loopback, private,
  link-local, multicast, reserved, unspecified, shared CGNAT space, site-local, and IPv6 forms embedding one of
  those: IPv4-mapped, 6to4, Teredo, NAT64) — unless the host name is one the operator allowed
  (``OUTBOUND_ALLOWED_PRIVATE_HOSTS``, for an on-premise integration);
- connects to the address it checked, never resolving the name again (a DNS answer that changes between
  the check and the connection, "DNS rebinding", cannot redirect it), with TLS still verified against the
  host name;
- follows a redirect only through the same checks (and the caller's host filter), at most a few times;
- bounds the whole exchange by one deadline (``OUTBOUND_TIMEOUT``: connection, TLS, headers and body
  together, so a server that drips a byte at a time cannot hold a worker) and the body by a size cap.

Errors are :class:`AddressRefused` (the policy said no, nothing was sent) and :class:`FetchFailed` (the
exchange failed). Their messages are for the server's log: callers answer clients with a neutral sentence.

:class:`ClientBudget` is the per-client token bucket that callers use to limit how many outbound requests one
client can cause.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The shared address space of carrier-grade NAT (RFC 6598): not Internet-routable, often an ISP's own network.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
#: NAT64 prefixes (RFC 6052 well-known, RFC 8215 local-use): the IPv4 address is in the last 32 bits.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SCHEMES = {"http": 80, "https": 443}


class OutboundError(Exception):
    """An outbound request that did not happen or did not succeed (the message is for the log only)."""


class AddressRefused(OutboundError):
    """The outbound-address policy refused the URL: nothing was sent."""


class FetchFailed(OutboundError):
    """The exchange failed: no connection, a timeout, a broken or oversized answer, too many redirects."""


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """What outbound requests may do. :meth:`from_settings` reads the operator's settings."""

    #: Host names (or literal addresses) allowed even though they resolve to non-public addresses.
    allowed_private_hosts: frozenset[str] = frozenset()
    #: Seconds for the whole exchange (name resolution, connection, TLS, request, headers and body).
    timeout: float = 2.0
    #: Largest body read; a larger answer is a failure.
    max_bytes: int = 2_000_000
    max_redirects: int = 3

    @classmethod
    def from_settings(cls) -> OutboundPolicy:
        from django.conf import settings

        return cls(
            allowed_private_hosts=frozenset(
                _normalise_host(host) for host in getattr(settings, "OUTBOUND_ALLOWED_PRIVATE_HOSTS", ())
            ),
            timeout=float(getattr(settings, "OUTBOUND_TIMEOUT", 2.0)),
            max_bytes=int(getattr(settings, "OUTBOUND_MAX_BYTES", 2_000_000)),
        )


@dataclass(frozen=True, slots=True)
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str  # the URL that answered (after redirects)


# ------------------------------------------------------------------------------------------ addresses


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address (the server's is checked by the Teredo relay)
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True when ``address`` is a public Internet unicast address (the only kind outbound requests may reach).

    Refused: loopback, private (RFC 1918, ULA), link-local (including 169.254.169.254, the cloud metadata
    service), multicast, reserved, unspecified, "this network" (0.0.0.0/8), shared CGNAT space (RFC 6598),
    IPv6 site-local, documentation and benchmarking ranges (not global), and IPv6 addresses that embed a
    refused IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64).
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            if not is_public_address(embedded):
                return False
            if any(address in network for network in _NAT64) or address.ipv4_mapped is not None:
                return True  # the connection goes to the embedded (public) IPv4 address
        if address.is_site_local:
            return False
    elif address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


# Name resolution has no timeout of its own (the system resolver may wait many seconds): it runs in a small
# pool and the request gives up when its deadline passes. A lookup that never ends occupies a pool thread,
# never a request; when all of them are stuck, further lookups time out without starting.
_resolver_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")

#: A resolved address: the socket family and the address to connect to (as getaddrinfo gives it).
Address = tuple[socket.AddressFamily, tuple[str, int] | tuple[str, int, int, int]]


def _lookup(host: str, port: int) -> list[Address]:
    results = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [
        (family, sockaddr)
        for family, _, _, _, sockaddr in results
        if family in (socket.AF_INET, socket.AF_INET6) and isinstance(sockaddr[0], str)
    ]


def resolve(host: str, port: int, *, policy: OutboundPolicy, deadline: float | None = None) -> list[Address]:
    """The addresses to connect to for ``host``, all checked; raises AddressRefused or FetchFailed.

    A host the operator allowed may resolve to any address; any other host must resolve only to public
    addresses (a single non-public answer refuses the host: it is what DNS rebinding relies on).
    """
    name = _normalise_host(host)
    if not name:
        raise AddressRefused("the URL has no host")
    allowed_anywhere = name in policy.allowed_private_hosts
    try:
        literal: IPAddress | None = ipaddress.ip_address(name)
    except ValueError:
        literal = None
    if literal is not None and not allowed_anywhere and not is_public_address(literal):
        raise AddressRefused(f"{name} is not a public address")
    if deadline is None:
        deadline = time.monotonic() + policy.timeout
    future = _resolver_pool.submit(_lookup, name, port)
    try:
        addresses = future.result(timeout=max(deadline - time.monotonic(), 0.0))
    except FutureTimeout:
        future.cancel()
        raise FetchFailed(f"resolving {name} timed out") from None
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"{name} does not resolve: {exc}") from None
    if not addresses:
        raise AddressRefused(f"{name} does not resolve")
    if not allowed_anywhere:
        for _, sockaddr in addresses:
            if not is_public_address(ipaddress.ip_address(sockaddr[0].split("%")[0])):
                raise AddressRefused(f"{name} resolves to the non-public address {sockaddr[0]}")
    return addresses


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[Address] = field(default_factory=list)


def _target(
    url: str, *, policy: OutboundPolicy, deadline: float, host_allowed: Callable[[str], bool] | None
) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise AddressRefused(f"the scheme {scheme!r} is not allowed")
    host = _normalise_host(parts.hostname or "")
    if not host:
        raise AddressRefused("the URL has no host")
    if host_allowed is not None and not host_allowed(host):
        raise AddressRefused(f"the host {host} is not allowed here")
    port = port or _SCHEMES[scheme]
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    addresses = resolve(host, port, policy=policy, deadline=deadline)
    return _Target(scheme, host, port, path, addresses)


def check_url(
    url: str, *, policy: OutboundPolicy | None = None, host_allowed: Callable[[str], bool] | None = None
) -> None:
    """Raise AddressRefused (or FetchFailed when resolving times out) unless ``url`` may be requested now."""
    policy = policy or OutboundPolicy.from_settings()
    _target(url, policy=policy, deadline=time.monotonic() + policy.timeout, host_allowed=host_allowed)


# ------------------------------------------------------------------------------------------- exchange


def _connect(addresses: list[Address], deadline: float) -> socket.socket:
    error: OSError | None = None
    for family, sockaddr in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        # The checked address itself (socket.create_connection would resolve the name again).
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(remaining)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or TimeoutError("connection timed out")


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to the checked addresses of the host (the name is never resolved again)."""

    def __init__(self, target: _Target, deadline: float, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(target.host, target.port, timeout=max(deadline - time.monotonic(), 0.001))
        self._addresses = target.addresses
        self._deadline = deadline
        self._tls = tls
        self.cut = False

    def connect(self) -> None:
        raw = _connect(self._addresses, self._deadline)
        self.sock = raw
        if self._tls is not None:
            # Wrapped without the handshake first so that abort() can reach the TLS socket during it.
            wrapped = self._tls.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
            self.sock = wrapped
            wrapped.do_handshake()

    def abort(self) -> None:
        """Called by the deadline's timer: shut the socket so a blocked read returns at once."""
        self.cut = True
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


_tls_context: ssl.SSLContext | None = None


def _tls() -> ssl.SSLContext:
    global _tls_context
    if _tls_context is None:
        _tls_context = ssl.create_default_context()
    return _tls_context


def _exchange(
    target: _Target,
    *,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str],
    policy: OutboundPolicy,
    deadline: float,
    read_body: bool,
) -> tuple[int, dict[str, str], bytes]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("timed out")
    connection = _PinnedConnection(target, deadline, _tls() if target.scheme == "https" else None)
    watchdog = threading.Timer(remaining, connection.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(method, target.path, body=body, headers=dict(headers))
        response = connection.getresponse()
        status = response.status
        response_headers = {name.lower(): value for name, value in response.getheaders()}
        data = b""
        if read_body and status not in _REDIRECTS:
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchFailed(f"the answer is larger than {policy.max_bytes} bytes")
            data = response.read(policy.max_bytes + 1)
            if len(data) > policy.max_bytes:
                raise FetchFailed(f"the answer is larger than {policy.max_bytes} bytes")
    except (OSError, http.client.HTTPException) as exc:
        if connection.cut:
            raise FetchFailed(f"timed out after {policy.timeout} s") from None
        raise FetchFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        watchdog.cancel()
        connection.close()
    if connection.cut:  # a read cut short by the deadline may look like a (shorter) complete answer
        raise FetchFailed(f"timed out after {policy.timeout} s")
    return status, response_headers, data


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    policy: OutboundPolicy | None = None,
    host_allowed: Callable[[str], bool] | None = None,
    follow_redirects: bool = True,
    read_body: bool = True,
) -> OutboundResponse:
    """Make an HTTP(S) request under the outbound-address policy (see the module's docstring).

    ``host_allowed`` narrows the hosts further (the first URL's and every redirect's), e.g. to an allowlist.
    Any status is returned as it is, except redirects when ``follow_redirects`` (each checked like the
    first URL; 303, and 301/302 after a POST, continue as GET without a body). Raises AddressRefused when the
    policy refuses a URL (nothing is sent to it) and FetchFailed when the exchange fails.
    """
    policy = policy or OutboundPolicy.from_settings()
    deadline = time.monotonic() + policy.timeout
    current = url
    for _ in range(policy.max_redirects + 1):
        target = _target(current, policy=policy, deadline=deadline, host_allowed=host_allowed)
        status, response_headers, data = _exchange(
            target,
            method=method,
            body=body,
            headers=headers or {},
            policy=policy,
            deadline=deadline,
            read_body=read_body,
        )
        location = response_headers.get("location")
        if not (follow_redirects and status in _REDIRECTS and location):
            return OutboundResponse(status, response_headers, data, current)
        current = urljoin(current, location)
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise FetchFailed(f"more than {policy.max_redirects} redirects")


# ---------------------------------------------------------------------------------------- client budget


def client_key(address: str) -> str:
    """The key a client is counted under: its IPv4 address, or the /64 network of its IPv6 address (one
    subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing)."""
    try:
        parsed = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed.ipv4_mapped or parsed) if isinstance(parsed, ipaddress.IPv6Address) else str(parsed)


class ClientBudget:
    """A token bucket per client (in this process): ``per_minute`` tokens, refilled continuously.

    At most ``max_clients`` buckets are kept (the least recently used is forgotten first) so that clients
    cannot grow it without bound.
    """

    def __init__(self, *, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, *, per_minute: float) -> bool:
        """Spend one token of ``client``'s bucket; False (and nothing spent) when it is empty."""
        if per_minute <= 0:
            return False
        key = client_key(client)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (per_minute, now))
            tokens = min(per_minute, tokens + (now - last) * per_minute / 60)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return allowed

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
