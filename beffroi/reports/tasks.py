"""Background tasks of the Signalements module."""

from django_tasks import task


@task()
def send_sms(*, to: str, body: str) -> int:
    """Send one text message through the configured SMS backend (queued: a slow provider never slows a page)."""
    from beffroi.reports.sms import send_sms as deliver

    return deliver(to=to, body=body)
