"""Reads of the territory app, always scoped to one commune."""

from django.db.models import QuerySet

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.territory.models import NewsItem, Place, Team


def team_list(*, commune: Commune) -> QuerySet[Team]:
    return Team.objects.filter(commune=commune).prefetch_related("members")


def team_get(*, commune: Commune, slug: str) -> Team | None:
    return Team.objects.filter(commune=commune, slug=slug).first()


def team_get_by_pk(*, commune: Commune, pk: int) -> Team | None:
    return Team.objects.filter(commune=commune, pk=pk).first()


def teams_of_user(*, commune: Commune, user: Actor) -> QuerySet[Team]:
    if user is None or not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(commune=commune, members=user)


def team_of_user(*, commune: Commune, user: Actor) -> Team | None:
    """The user's first team in the commune (the one their queue opens on), or None."""
    return teams_of_user(commune=commune, user=user).first()


def place_list(*, commune: Commune) -> QuerySet[Place]:
    return Place.objects.filter(commune=commune)


def place_get(*, commune: Commune, pk: int) -> Place | None:
    return Place.objects.filter(commune=commune, pk=pk).first()


def commune_list_all() -> QuerySet[Commune]:
    """Every commune of the instance, archived ones included (the operator's list)."""
    return Commune.objects.defer("boundary").order_by("-is_active", "name")


def commune_get_any(*, slug: str) -> Commune | None:
    """A commune by its slug, archived or not (the operator's pages)."""
    return Commune.objects.filter(slug=slug).first()


def communes_by_insee(*, codes: list[str]) -> dict[str, Commune]:
    return {c.insee_code: c for c in Commune.objects.defer("boundary").filter(insee_code__in=codes)}


def news_list(*, commune: Commune, limit: int = 50) -> QuerySet[NewsItem]:
    return NewsItem.objects.filter(commune=commune).order_by("-published_on", "-pk")[:limit]


def news_get(*, commune: Commune, pk: int) -> NewsItem | None:
    return NewsItem.objects.filter(commune=commune, pk=pk).first()
