"""Background tasks shared by every app (run by `beffroi worker`)."""

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
) -> int:
    """Send one plain-text email; queued so a slow mail server never delays a page.

    `from_email` and `reply_to` name the commune the mail is sent for (see `core.mail.commune_sender`).
    """
    message = EmailMessage(subject, body, from_email, to, reply_to=reply_to or None)
    return message.send(fail_silently=False)
