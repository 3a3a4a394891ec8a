"""The outbound-address policy: requests the platform makes to URLs its clients chose (core.outbound)."""

import ipaddress
import socket
import threading
import time

import pytest

from beffroi.core import outbound
from beffroi.core.outbound import AddressRefused, ClientBudget, FetchFailed, OutboundPolicy
from tests.local_http import Recorder, fake_dns, ok


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "0.1.2.3",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",
        "2001:db8::1",
    ],
)
def test_internal_and_special_addresses_are_not_public(address):
    assert not outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "193.51.24.1", "2a00:1450:4007:80f::200e", "64:ff9b::808:808", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_public(address):
    assert outbound.is_public_address(ipaddress.ip_address(address))


@pytest.fixture
def server():
    recorder = Recorder(ok)
    yield recorder
    recorder.close()


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "169.254.169.254", "[::1]", "10.1.2.3", "0.0.0.0", "[::ffff:127.0.0.1]"],
)
def test_internal_targets_are_refused_without_a_connection(server, host):
    url = f"http://{host}:{server.port}/secret"
    with pytest.raises(AddressRefused):
        outbound.request(url, policy=OutboundPolicy())
    with pytest.raises(AddressRefused):
        outbound.check_url(url, policy=OutboundPolicy())
    assert server.connections == 0


def test_a_name_resolving_to_loopback_is_refused(server, monkeypatch):
    fake_dns(monkeypatch, {"intranet.example.org": "127.0.0.1"})
    with pytest.raises(AddressRefused):
        outbound.request(f"http://intranet.example.org:{server.port}/", policy=OutboundPolicy())
    assert server.connections == 0


def test_allowed_private_host_is_reached_at_the_address_that_was_checked(server, monkeypatch):
    calls = fake_dns(monkeypatch, {"capteurs.mairie.internal": "127.0.0.1"})
    policy = OutboundPolicy(allowed_private_hosts=frozenset({"capteurs.mairie.internal"}))
    response = outbound.request(f"http://capteurs.mairie.internal:{server.port}/data", policy=policy)
    assert response.status == 200 and response.body == b'{"ok": true}'
    assert server.requests == [("GET", "/data", f"capteurs.mairie.internal:{server.port}")]
    assert calls == ["capteurs.mairie.internal"]  # resolved once: the connection uses the checked address


def test_dns_rebinding_between_check_and_connection_does_not_reach_loopback(monkeypatch):
    # First answer public, every later answer loopback: a second resolution would reach the local server.
    answers = iter(["8.8.8.8"])
    calls = fake_dns(monkeypatch, {"rebind.example.org": lambda: next(answers, "127.0.0.1")})
    connected = []

    def fake_connect(self, address):
        connected.append(address)
        raise ConnectionRefusedError("no network in tests")

    monkeypatch.setattr(socket.socket, "connect", fake_connect, raising=False)
    with pytest.raises(FetchFailed):
        outbound.request("http://rebind.example.org/", policy=OutboundPolicy())
    assert calls == ["rebind.example.org"]
    assert [address[0] for address in connected] == ["8.8.8.8"]


def test_a_redirect_to_an_internal_address_is_refused(monkeypatch):
    internal = Recorder(ok)

    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", f"http://127.0.0.1:{internal.port}/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    public = Recorder(redirect)
    try:
        fake_dns(monkeypatch, {"contexts.example.org": "127.0.0.1"})
        policy = OutboundPolicy(allowed_private_hosts=frozenset({"contexts.example.org"}))
        with pytest.raises(AddressRefused):
            outbound.request(f"http://contexts.example.org:{public.port}/ctx.jsonld", policy=policy)
        assert public.requests and internal.connections == 0
    finally:
        public.close()
        internal.close()


def test_a_redirect_must_also_pass_the_callers_host_filter(monkeypatch):
    other = Recorder(ok)

    def redirect(handler):
        handler.send_response(301)
        handler.send_header("Location", f"http://elsewhere.example.org:{other.port}/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    first = Recorder(redirect)
    try:
        fake_dns(monkeypatch, {"allowed.example.org": "127.0.0.1", "elsewhere.example.org": "127.0.0.1"})
        policy = OutboundPolicy(
            allowed_private_hosts=frozenset({"allowed.example.org", "elsewhere.example.org"})
        )
        with pytest.raises(AddressRefused):
            outbound.request(
                f"http://allowed.example.org:{first.port}/",
                policy=policy,
                host_allowed=lambda host: host == "allowed.example.org",
            )
        assert other.connections == 0
    finally:
        first.close()
        other.close()


def test_followed_redirects_are_bounded():
    hops = []

    def loop(handler):
        hops.append(handler.path)
        handler.send_response(302)
        handler.send_header("Location", f"/again{len(hops)}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    looping = Recorder(loop)
    try:
        policy = OutboundPolicy(allowed_private_hosts=frozenset({"127.0.0.1"}), max_redirects=3)
        with pytest.raises(FetchFailed):
            outbound.request(f"http://127.0.0.1:{looping.port}/", policy=policy)
        assert len(hops) == 4
    finally:
        looping.close()


def test_an_oversized_answer_is_refused():
    big = Recorder(lambda handler: ok(handler, b"x" * 5000))
    try:
        policy = OutboundPolicy(allowed_private_hosts=frozenset({"127.0.0.1"}), max_bytes=1000)
        with pytest.raises(FetchFailed):
            outbound.request(f"http://127.0.0.1:{big.port}/", policy=policy)
    finally:
        big.close()


def test_a_server_that_never_answers_holds_the_request_only_until_the_deadline():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections (kernel backlog) and never reads or answers
    port = listener.getsockname()[1]
    try:
        policy = OutboundPolicy(allowed_private_hosts=frozenset({"127.0.0.1"}), timeout=0.3)
        started = time.monotonic()
        with pytest.raises(FetchFailed):
            outbound.request(f"http://127.0.0.1:{port}/", policy=policy)
        # Not a speed measure: the former loader held the worker 5 s; a generous bound on the 0.3 s deadline.
        assert time.monotonic() - started < 3
    finally:
        listener.close()


def test_a_server_dripping_bytes_cannot_extend_the_deadline():
    """Each byte arrives well within a per-read timeout; only a deadline on the whole exchange ends it."""
    sent = []
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def drip():
        connection, _ = listener.accept()
        try:
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(200):  # one header line, never finished
                if stop.wait(0.05):
                    break
                connection.sendall(b"y")
                sent.append(1)
        except OSError:
            pass  # the client hung up: what the deadline should do
        finally:
            connection.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        policy = OutboundPolicy(allowed_private_hosts=frozenset({"127.0.0.1"}), timeout=0.4)
        with pytest.raises(FetchFailed):
            outbound.request(f"http://127.0.0.1:{port}/", policy=policy)
        thread.join(15)
        assert 0 < len(sent) < 200  # the client gave up long before the server ran out of bytes
    finally:
        stop.set()
        listener.close()


def test_a_resolver_that_never_answers_is_bounded(monkeypatch):
    release = threading.Event()

    def hanging_getaddrinfo(*args, **kwargs):
        release.wait(10)
        raise socket.gaierror("released")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_getaddrinfo)
    try:
        with pytest.raises(FetchFailed):
            outbound.request("http://slow-dns.example.org/", policy=OutboundPolicy(timeout=0.2))
    finally:
        release.set()


def test_policy_from_settings(settings):
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["Capteurs.Mairie.Internal", "[::1]"]
    settings.OUTBOUND_TIMEOUT = 1.5
    settings.OUTBOUND_MAX_BYTES = 1234
    policy = OutboundPolicy.from_settings()
    assert policy.allowed_private_hosts == {"capteurs.mairie.internal", "::1"}
    assert (policy.timeout, policy.max_bytes) == (1.5, 1234)


def test_the_default_settings_allow_no_private_host():
    from django.conf import settings

    assert settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS == []
    assert settings.OUTBOUND_TIMEOUT <= 5


# ------------------------------------------------------------------------------------------ client budget


def test_client_budget_is_a_token_bucket_per_client():
    now = [0.0]
    budget = ClientBudget(clock=lambda: now[0])
    assert [budget.take("203.0.113.7", per_minute=3) for _ in range(4)] == [True, True, True, False]
    assert budget.take("198.51.100.1", per_minute=3)  # another client has its own bucket
    now[0] += 20  # one token back every 60/3 s
    assert budget.take("203.0.113.7", per_minute=3)
    assert not budget.take("203.0.113.7", per_minute=3)


def test_client_budget_counts_an_ipv6_network_as_one_client():
    budget = ClientBudget(clock=lambda: 0.0)
    assert budget.take("2001:db8:1:2::1", per_minute=2)
    assert budget.take("2001:db8:1:2::ffff", per_minute=2)
    assert not budget.take("2001:db8:1:2:abcd::9", per_minute=2)
    assert budget.take("2001:db8:1:3::1", per_minute=2)


def test_client_budget_forgets_the_least_recent_clients_beyond_its_size():
    budget = ClientBudget(max_clients=2, clock=lambda: 0.0)
    assert budget.take("192.0.2.1", per_minute=1)
    assert not budget.take("192.0.2.1", per_minute=1)
    budget.take("192.0.2.2", per_minute=1)
    budget.take("192.0.2.3", per_minute=1)
    assert budget.take("192.0.2.1", per_minute=1)  # forgotten: its bucket starts full again
