"""core.abuse and core.guards: the pieces every app shares (issue #10)."""

import pytest
from django.db import transaction
from django.test import RequestFactory

from beffroi.core import abuse
from beffroi.core.guards import NotOwned, ensure_owned, parse_pk
from beffroi.territory.models import Team


def request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_read_only_behind_a_proxy_and_only_its_last_entry(settings):
    settings.BEFFROI_BEHIND_PROXY = False
    assert abuse.client_ip(request(forwarded="203.0.113.1")) == "198.51.100.7"
    settings.BEFFROI_BEHIND_PROXY = True
    settings.BEFFROI_TRUSTED_PROXIES = ["198.51.100.0/24"]
    # the client wrote the left entries; our proxy appended the address it saw
    assert abuse.client_ip(request(forwarded="10.0.0.1, 203.0.113.1")) == "203.0.113.1"
    assert abuse.client_ip(request(forwarded="not-an-address")) == "198.51.100.7"


def test_forwarded_for_from_a_client_that_is_not_a_trusted_proxy_is_ignored(settings):
    settings.BEFFROI_BEHIND_PROXY = True
    settings.BEFFROI_TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    # a client reaching the server directly cannot choose the address it is counted under
    assert abuse.client_ip(request(remote="198.51.100.7", forwarded="203.0.113.1")) == "198.51.100.7"
    # through two trusted proxies (a load balancer, then nginx), the first untrusted address from the right
    forwarded = "192.0.2.66, 203.0.113.1, 10.1.0.4"
    assert abuse.client_ip(request(remote="127.0.0.1", forwarded=forwarded)) == "203.0.113.1"
    # nothing but proxies in the chain: the proxy's own address
    assert abuse.client_ip(request(remote="127.0.0.1", forwarded="10.1.0.4")) == "127.0.0.1"
    assert abuse.client_ip(request(remote="127.0.0.1")) == "127.0.0.1"


def test_one_ipv6_subscriber_is_one_sender():
    assert abuse.submitter_hash("2001:db8:1:2::1") == abuse.submitter_hash("2001:db8:1:2:ffff::9")
    assert abuse.submitter_hash("2001:db8:1:2::1") != abuse.submitter_hash("2001:db8:1:3::1")
    assert abuse.submitter_hash("192.0.2.1") != abuse.submitter_hash("192.0.2.2")


def test_rate_limit_refuses_at_the_limit(valbourg):
    from beffroi.core.models import AuditEntry
    from beffroi.core.services import audit_record

    audit_record(commune=valbourg, actor=None, action="test.submission", summary="1")
    submissions = AuditEntry.objects.filter(commune=valbourg, action="test.submission")
    with transaction.atomic():
        abuse.rate_limit_check(
            commune=valbourg,
            scope="t",
            subject="s",
            submissions=submissions,
            limit=2,
            message="Trop d'envois.",
        )  # one so far: under the limit
    audit_record(commune=valbourg, actor=None, action="test.submission", summary="2")
    with transaction.atomic(), pytest.raises(abuse.RateLimited, match="Trop"):
        abuse.rate_limit_check(
            commune=valbourg,
            scope="t",
            subject="s",
            submissions=submissions,
            limit=2,
            message="Trop d'envois.",
        )


def test_ensure_owned_is_a_french_404(valbourg, hautmesnil):
    team = Team.objects.create(commune=hautmesnil, name="B", slug="b")
    ensure_owned(None, valbourg)
    ensure_owned(team, hautmesnil)
    with pytest.raises(NotOwned, match="n'existe pas dans la commune"):
        ensure_owned(team, valbourg)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("12", 12),
        (" 7 ", 7),
        ("9" * 30, None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_pk(raw, expected):
    assert parse_pk(raw) == expected
