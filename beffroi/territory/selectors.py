"""Reads of the territory app, always scoped to one commune."""

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from beffroi.accounts.models import Membership, Role
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


STAFF_ORDER = (Role.ADMIN, Role.ELU, Role.AGENT)


def membership_search(*, commune: Commune, query: str = "", role: str = "") -> QuerySet[Membership]:
    """The commune's members whose name or address contains `query` (any case), of one role if given, by name,
    each with `commune_teams`: their teams in this commune (never another's). Staff first."""
    memberships = Membership.objects.filter(commune=commune).select_related("user")
    query = query.strip()
    if query:
        memberships = memberships.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    if role:
        memberships = memberships.filter(role=role)
    # The staff first (administrators, élus, agents), the residents after; by name within each.
    staff_first = Case(
        *(When(role=role, then=Value(rank)) for rank, role in enumerate(STAFF_ORDER)),
        default=Value(len(STAFF_ORDER)),
        output_field=IntegerField(),
    )
    return memberships.prefetch_related(
        Prefetch("user__teams", queryset=Team.objects.filter(commune=commune), to_attr="commune_teams")
    ).order_by(staff_first, "user__full_name", "user__email")
