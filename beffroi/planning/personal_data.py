"""What the planning app holds about a person: the assessments they answered or validated and the projects they
own."""

from typing import Any

from beffroi.accounts.models import User
from beffroi.core import personal_data
from beffroi.planning.models import Assessment, Project


def export(*, user: User) -> dict[str, Any]:
    """The self-assessments the person answered or validated and the roadmap projects they are responsible for."""
    return {
        "auto_diagnostics": [
            {
                "commune": a.commune.slug,
                "date": a.assessed_on.isoformat(),
                "role": a.role,
                "reponses": a.answers,
            }
            for a in Assessment.objects.filter(author=user).select_related("commune")
        ],
        "auto_diagnostics_valides": [
            {
                "commune": a.commune.slug,
                "date": a.assessed_on.isoformat(),
                "valide_le": a.validated_at.isoformat() if a.validated_at else None,
            }
            for a in Assessment.objects.filter(validated_by=user).select_related("commune")
        ],
        "projets_dont_responsable": [
            {"commune": p.commune.slug, "projet": p.title}
            for p in Project.objects.filter(owner=user).select_related("commune")
        ],
    }


def erase(*, user: User) -> None:
    """The answers stay (they are the commune's diagnostic) but no longer name the person."""
    Assessment.objects.filter(author=user).update(author=None, author_label="")
    Assessment.objects.filter(validated_by=user).update(validated_by=None, validated_by_label="")
    Project.objects.filter(owner=user).update(owner=None)


personal_data.register("projet_de_territoire", exporter=export, eraser=erase)
