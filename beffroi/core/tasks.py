"""Background tasks shared by every app (run by `beffroi worker`)."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text email; queued so a slow mail server never delays a page."""
    return send_mail(subject, body, None, to, fail_silently=False)
