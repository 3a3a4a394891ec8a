"""The accounts app's share of a user's personal-data download."""

from beffroi.accounts.models import Membership
from beffroi.core import personal_data
from beffroi.core.models import AuditEntry


def export_account(*, user) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "memberships": [
            {"commune": m.commune.slug, "role": m.role, "since": m.created_at.isoformat()}
            for m in Membership.objects.filter(user=user).select_related("commune")
        ],
        "actions_recorded": [
            {
                "at": e.created_at.isoformat(),
                "commune": e.commune_id,
                "action": e.action,
                "summary": e.summary,
            }
            for e in AuditEntry.objects.filter(actor_id=user.pk).order_by("created_at")[:5000]
        ],
    }


personal_data.register("account", exporter=export_account)
