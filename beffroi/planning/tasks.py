"""Background work of the planning app: application-deadline reminders to the project owner."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from beffroi.accounts.selectors import notification_address
from beffroi.core import dates
from beffroi.core.formatting import format_eur
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.funding import services as funding_services
from beffroi.funding.models import FinancingLine
from beffroi.planning.models import Project
from beffroi.planning.selectors import REMINDER_DAYS


def deadline_reminders_send(*, today: date | None = None) -> int:
    """Email each project owner about the applications due in 14 days (or less, if a run was missed).

    Each line is reminded once (``reminder_sent_on``), so running this daily, or twice, sends one mail.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=REMINDER_DAYS)
    lines = FinancingLine.objects.filter(
        status=FinancingLine.Status.PLANNED,
        application_deadline__gte=today,
        application_deadline__lte=horizon,
        reminder_sent_on__isnull=True,
    ).select_related("plan")
    sent = 0
    for line in lines:
        deadline = line.application_deadline
        if deadline is None:  # excluded by the filter above; the check narrows the type
            continue
        project = (
            Project.objects.filter(financing_plan_id=line.plan_id, commune_id=line.plan.commune_id)
            .select_related("owner", "commune")
            .first()
        )
        address = notification_address(project.owner) if project is not None else None
        if project is None or address is None:
            continue
        days = (deadline - today).days
        fields = {
            "commune": project.commune.name,
            "funder": line.funder,
            "amount": format_eur(line.amount),
            "project": project.title,
            "deadline": dates.long_date(deadline),
            "days": days,
            "link": commune_url(project.commune, "planning:project_funding", kwargs={"pk": project.pk}),
        }
        subject = _("[%(commune)s] Dossier « %(funder)s » à déposer avant le %(deadline)s") % fields
        body = (
            ngettext(
                "Bonjour,\n\nLe dossier de financement « %(funder)s » (%(amount)s) du projet « %(project)s » doit "
                "être déposé avant le %(deadline)s, dans %(days)d jour.\n\n"
                "Le plan de financement : %(link)s\n",
                "Bonjour,\n\nLe dossier de financement « %(funder)s » (%(amount)s) du projet « %(project)s » doit "
                "être déposé avant le %(deadline)s, dans %(days)d jours.\n\n"
                "Le plan de financement : %(link)s\n",
                days,
            )
            % fields
        )
        with transaction.atomic():
            funding_services.line_mark_reminded(line=line, on=today)
            send_commune_mail(commune=line.plan.commune, to=[address], subject=subject, body=body)
        sent += 1
    return sent


@task()
def send_deadline_reminders() -> int:
    """Daily task (run by ``beffroi worker``; enqueue it once a day from the host's scheduler)."""
    return deadline_reminders_send()
