"""Background tasks shared by every app (run by `beffroi worker`)."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task


def sender_address(name: str) -> str:
    """The platform's sending address under a display name (a commune's name: « Mairie de Valbourg »), so the
    recipient sees who writes even though every mail leaves from the one address the platform may send from."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((name, address)) if name else settings.DEFAULT_FROM_EMAIL


@task()
def send_email(
    *, to: list[str], subject: str, body: str, sender_name: str = "", reply_to: list[str] | None = None
) -> int:
    """Send one plain-text email; queued so a slow mail server never delays a page.

    `sender_name` shows a commune's name as the sender; `reply_to` sends answers to the mairie's own address.
    """
    message = EmailMessage(subject, body, sender_address(sender_name), to, reply_to=reply_to or None)
    return message.send(fail_silently=False)
