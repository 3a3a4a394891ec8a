"""Mail sent in a commune's name: who it is from, where an answer goes, and when it leaves.

Every message a commune sends (a receipt, a reply, an invitation, an alert) reads as coming from its mairie:
the sender's name is « Mairie de Valbourg » and an answer goes to the mairie's own address (its `contact_email`,
as Reply-To). The sending address itself stays the instance's (`DEFAULT_FROM_EMAIL`): a server may only send
from a domain whose SPF and DKIM records name it, so writing « From: mairie@valbourg.fr » from the platform
would put the mail in spam folders or have it refused.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from beffroi.core.models import Commune


def commune_sender(commune: Commune | None) -> tuple[str, list[str]]:
    """The From header and the Reply-To addresses of a mail sent in the commune's name."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if commune is None:
        return formataddr((name or "Beffroi", address)), []
    sender = formataddr((gettext("Mairie de %(name)s") % {"name": commune.name}, address))
    return sender, [commune.contact_email] if commune.contact_email else []


def send_commune_mail(*, commune: Commune | None, to: list[str], subject: str, body: str) -> None:
    """Queue a plain-text mail in the commune's name, sent by the worker once the transaction commits."""
    from beffroi.core.tasks import send_email

    recipients = [address for address in to if address]
    if not recipients:
        return
    sender, reply_to = commune_sender(commune)
    transaction.on_commit(
        partial(
            send_email.enqueue,
            to=recipients,
            subject=subject,
            body=body,
            from_email=sender,
            reply_to=reply_to,
        )
    )
