"""Anti-abuse for what anyone may send without an account (reports, ideas…): one home for every app.

- `client_ip(request)`: the sender's address. `REMOTE_ADDR`, unless the site runs behind a reverse proxy
  (`BEFFROI_BEHIND_PROXY=1`) and the request came from one of the trusted proxies
  (`BEFFROI_TRUSTED_PROXIES`, loopback by default): then the sender's address is read in `X-Forwarded-For`
  from the right, the first entry that is not itself a trusted proxy (each proxy appends the address it saw).
  Entries further left were written by the client and can say anything, so they are never read. A request
  that did not come through a trusted proxy has its header ignored (anyone can send it). django-axes counts
  its lockouts with the same function (`AXES_CLIENT_IP_CALLABLE`).
- `submitter_hash(ip)`: a keyed hash of the address, enough to count submissions and useless to identify
  anyone. An IPv6 address counts by its /64 network: one subscriber gets a whole /64 and can change addresses
  within it at will.
- `HoneypotMixin`: a form field people never see (hidden by CSS, out of the tab order, `aria-hidden`) that
  naive robots fill in; a filled trap makes the form invalid with a French sentence, and nothing is saved.
- `rate_limit_check(...)`: at most `limit` submissions per subject and hour, counted on the submissions
  themselves **inside the transaction that writes the new one, under a lock on the subject**, so concurrent
  posts cannot all see "9 so far" and pass together. Refusal is `RateLimited`; views answer 429 with the form
  and a French sentence, keeping what was typed.

Usage, in a service::

    with transaction.atomic():
        rate_limit_check(commune=commune, scope="reports", subject=submitter,
                         submissions=Report.objects.filter(commune=commune, submitter_hash=submitter),
                         limit=10, message=_("Trop de signalements…"))
        Report.objects.create(..., submitter_hash=submitter)
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest

    from beffroi.core.models import Commune

HONEYPOT_FIELD = "website"
ROBOT_MESSAGE = gettext_lazy(
    "Votre envoi a été pris pour celui d'un robot. Videz le champ « Ne pas remplir ce champ » et renvoyez."
)


def client_ip(request: HttpRequest) -> str:
    """The sender's address (see the module's docstring for the reverse-proxy case)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not getattr(settings, "BEFFROI_BEHIND_PROXY", False) or not _is_trusted_proxy(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",") if forwarded else []):
        try:
            address = ipaddress.ip_address(entry.strip())
        except ValueError:
            return remote  # a malformed entry appended after ours: the proxy chain is not what we expect
        if not _is_trusted_proxy(str(address)):
            return str(address)
    return remote


def _is_trusted_proxy(address: str) -> bool:
    """Whether ``address`` is one of BEFFROI_TRUSTED_PROXIES (addresses or networks)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in getattr(settings, "BEFFROI_TRUSTED_PROXIES", ()):
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def submitter_hash(ip: str) -> str:
    """A keyed hash of the sender's address (an IPv6 address by its /64 network)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        key = ip
    else:
        key = (
            str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)
        )
    return hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()


class HoneypotMixin(forms.Form):
    """Adds the trap field (`website`) to a form; a filled trap is a form error, so nothing is saved.

    Templates render the field inside an element hidden by CSS with `aria-hidden="true"`.
    """

    website = forms.CharField(
        label=gettext_lazy("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if (self.cleaned_data.get(HONEYPOT_FIELD) or "").strip():
            raise ValidationError(ROBOT_MESSAGE, code="honeypot")
        return cleaned


class RateLimited(Exception):
    """Too many submissions from one sender; `message` is the French sentence to show (answer with 429)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _lock_subject(*, commune: Commune, scope: str, subject: str) -> None:
    """Serialise the submissions of one subject until the end of the current transaction."""
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"{scope}:{commune.pk}:{subject}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )
        return
    # SQLite: a write takes the database's single write lock (with IMMEDIATE transactions, as configured in
    # settings, it is already held since BEGIN); other databases: a row lock on the commune.
    from beffroi.core.models import Commune as CommuneModel

    CommuneModel.objects.filter(pk=commune.pk).update(is_active=F("is_active"))


def rate_limit_check(
    *,
    commune: Commune,
    scope: str,
    subject: str,
    submissions: QuerySet[Model],
    limit: int,
    message: str,
    window: timedelta = timedelta(hours=1),
    created_field: str = "created_at",
) -> None:
    """Raise `RateLimited` when `submissions` (already filtered on the subject) hold `limit` rows or more
    created within `window`. Must run inside the transaction that then writes the new submission."""
    if not connection.in_atomic_block:
        raise RuntimeError("rate_limit_check must run inside the transaction that writes the submission")
    if not subject:
        return
    _lock_subject(commune=commune, scope=scope, subject=subject)
    since = timezone.now() - window
    if submissions.filter(**{f"{created_field}__gte": since}).count() >= limit:
        raise RateLimited(message)


__all__ = [
    "HONEYPOT_FIELD",
    "HoneypotMixin",
    "RateLimited",
    "client_ip",
    "rate_limit_check",
    "submitter_hash",
]
