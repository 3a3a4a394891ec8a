"""What the Signalements module holds about a person: the reports they filed (with the contact details they
gave), the reports they supported; erasure blanks the contact details wherever they appear."""

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from beffroi.accounts import activity, notifications
from beffroi.accounts.models import User
from beffroi.core import personal_data
from beffroi.core.codes import format_code
from beffroi.core.models import Commune
from beffroi.reports.models import Report, ReportEvent


def export(*, user: User) -> dict[str, Any]:
    """Reports filed from the account (or with its address as contact), and the reports it supported."""
    reports = (
        Report.objects.filter(Q(reporter=user) | Q(contact_email__iexact=user.email))
        .select_related("commune", "category", "state")
        .order_by("created_at", "pk")
    )
    supports = (
        ReportEvent.objects.filter(author=user, kind=ReportEvent.Kind.SUPPORT)
        .select_related("report__commune", "report__category")
        .order_by("created_at", "pk")
    )
    return {
        "signalements": [
            {
                "commune": r.commune.slug,
                "code_de_suivi": format_code(r.tracking_code),
                "categorie": r.category.name,
                "description": r.description,
                "etat": r.state.label,
                "clos": not r.is_open,
                "adresse_ou_repere": r.address_string,
                "latitude": str(r.latitude) if r.latitude is not None else None,
                "longitude": str(r.longitude) if r.longitude is not None else None,
                "reponses": r.answers,
                "nom_de_contact": r.contact_name,
                "courriel_de_contact": r.contact_email,
                "telephone_de_contact": r.contact_phone,
                "soutiens_recus": r.supports_count,
                "cree_le": r.created_at.isoformat(),
                "clos_le": r.closed_at.isoformat() if r.closed_at else None,
            }
            for r in reports
        ],
        "soutiens_donnes": [
            {
                "commune": e.report.commune.slug,
                "signalement": format_code(e.report.tracking_code),
                "categorie": e.report.category.name,
                "soutenu_le": e.created_at.isoformat(),
            }
            for e in supports
        ],
    }


def erase(*, user: User) -> None:
    """The reports stay (public, and the commune's work on them) but lose the account and every contact
    detail: those filed from the account, and those filed elsewhere with its address as contact."""
    Report.objects.filter(Q(reporter=user) | Q(contact_email__iexact=user.email)).update(
        reporter=None, contact_name="", contact_email="", contact_phone=""
    )
    # Supports and the history lines an agent wrote lose their author with the account (SET_NULL).


def account_section(*, user: User, commune: Commune) -> activity.Section | None:
    """« Mes signalements »: each report with its state and the page that follows it."""
    if not commune.has_module("reports"):
        return None
    reports = (
        Report.objects.filter(commune=commune, reporter=user)
        .select_related("category", "state")
        .order_by("-created_at", "-pk")
    )
    return activity.Section(
        title=gettext_lazy("Mes signalements"),
        items=[
            activity.Item(
                label=gettext("%(code)s — %(category)s")
                % {"code": format_code(r.tracking_code), "category": r.category.display_name},
                url=reverse("reports:track", kwargs={"code": r.tracking_code}),
                state=r.state.display_label,
                on=r.created_at,
            )
            for r in reports
        ],
        empty=gettext_lazy("Vous n'avez pas fait de signalement dans cette commune."),
    )


personal_data.register("signalements", exporter=export, eraser=erase)
activity.register("signalements", account_section, order=10)


def _phone_left(user: User) -> bool:
    """« Mon espace » offers texts about reports to someone who left a phone number on one of them."""
    return Report.objects.filter(reporter=user).exclude(contact_phone="").exists()


notifications.register_phone_source("signalements", _phone_left)
