"""What the data hub holds about a person: what an agent did on alerts (acknowledgements, closings, notes)."""

from typing import Any

from beffroi.accounts.models import User
from beffroi.core import personal_data
from beffroi.datahub.models import Alert, AlertEvent


def export(*, user: User) -> dict[str, Any]:
    """The alert events the person recorded, with their notes."""
    events = AlertEvent.objects.filter(actor=user).select_related("alert__commune", "alert__rule")
    return {
        "evenements_alertes": [
            {
                "commune": e.alert.commune.slug,
                "alerte": e.alert_id,
                "regle": e.alert.rule.label,
                "action": e.action,
                "date": e.at.isoformat(),
                "note": e.note,
            }
            for e in events
        ]
    }


def erase(*, user: User) -> None:
    """Unlink the user from alerts; the history stays (what was done), without who did it."""
    AlertEvent.objects.filter(actor=user).update(actor=None)
    Alert.objects.filter(acknowledged_by=user).update(acknowledged_by=None)
    Alert.objects.filter(closed_by=user).update(closed_by=None)


personal_data.register("donnees_et_capteurs", exporter=export, eraser=erase)
