"""What the planning app holds about a person: the assessments they answered and the projects they own."""

from beffroi.planning.models import Assessment, Project


def export(*, user) -> dict:
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
        "projets_dont_responsable": [
            {"commune": p.commune.slug, "projet": p.title}
            for p in Project.objects.filter(owner=user).select_related("commune")
        ],
    }


def erase(*, user) -> None:
    """The answers stay (they are the commune's diagnostic) but no longer name the person."""
    Assessment.objects.filter(author=user).update(author=None, author_label="")
    Project.objects.filter(owner=user).update(owner=None)
