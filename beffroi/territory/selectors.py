"""Reads of the territory app, always scoped to one commune."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext

from beffroi.accounts.models import Membership, Role
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.search import contains_text
from beffroi.territory import addressing
from beffroi.territory.models import Address, AddressStreet, MapLayer, NewsItem, Place, Team


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
        memberships = memberships.filter(contains_text(("user__full_name", "user__email"), query))
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


def membership_counts(*, commune: Commune) -> list[tuple[str, str, int]]:
    """(role, its label, how many) for each role the commune's members hold, the staff first: the page says at a
    glance « 1 administrateur·rice, 2 agents… » before the residents' long list."""
    counts = dict(
        Membership.objects.filter(commune=commune).values_list("role").annotate(n=Count("id")).order_by()
    )
    return [
        (role.value, str(role.label), counts[role.value])
        for role in (*STAFF_ORDER, Role.HABITANT)
        if role in counts
    ]


def map_layers(*, commune: Commune) -> dict[str, Any]:
    """The commune's base-map layers: {"voies": FeatureCollection, "batiments": …, "lieux": …} (those it has)."""
    return {layer.kind: layer.features for layer in MapLayer.objects.filter(commune=commune)}


def map_layers_version(*, commune: Commune) -> str:
    """A stamp that changes whenever a layer is imported again (the base map's ETag)."""
    stamp = MapLayer.objects.filter(commune=commune).aggregate(last=Max("updated_at"))["last"]
    return stamp.strftime("%Y%m%d%H%M%S%f") if stamp else ""


def address_count(*, commune: Commune) -> int:
    return Address.objects.filter(commune=commune).count()


@dataclass(frozen=True)
class AddressMatch:
    """An address found for what a person typed: its label, its point, and whether it is a whole street."""

    label: str
    latitude: float
    longitude: float
    street_only: bool = False
    score: float = 0.0  # how well the street matched what was typed (addressing.street_score), 0 to 1


def _streets(commune: Commune) -> dict[str, str]:
    """The commune's street keys and a name for each (the short list written at each import)."""
    return dict(AddressStreet.objects.filter(commune=commune).values_list("key", "name"))


def address_search(*, commune: Commune, query: str, limit: int = 8) -> list[AddressMatch]:
    """The commune's addresses that what a person typed may name, best first.

    « 14 rue des ec » → « 14 rue des Écoles »; a number the street does not have gives the street's nearest
    numbers; no number gives the streets themselves (placed at their middle address). The streets are
    matched in the commune's short list of distinct street keys (``addressing.match_streets``), the numbers
    read through the (commune, street_key, number) index.
    """
    typed = addressing.parse(query)
    if len(typed.street) < 2:
        return []
    streets = _streets(commune)
    scored = addressing.match_streets(typed.street, list(streets), limit=limit)
    ranked = [key for key, _score in scored]
    scores = dict(scored)
    if not ranked:
        return []
    order = {key: i for i, key in enumerate(ranked)}
    found: list[Address] = []
    number = typed.number
    if number is not None:
        exact = list(Address.objects.filter(commune=commune, street_key__in=ranked, number=number))
        if typed.suffix:
            exact = [a for a in exact if a.suffix == typed.suffix] or exact
        found = sorted(exact, key=lambda a: (order[a.street_key], a.suffix))
        if not found:  # the nearest numbers of the best street, same side first
            best = ranked[0]
            near = Address.objects.filter(
                commune=commune,
                street_key=best,
                number__gte=max(0, number - 6),
                number__lte=number + 6,
            )
            found = sorted(near, key=lambda a: (abs(a.number - number), (a.number - number) % 2))[:3]
        return [
            AddressMatch(a.label, a.latitude, a.longitude, score=scores[a.street_key]) for a in found[:limit]
        ]
    matches = []
    for key in ranked:
        numbers = list(
            Address.objects.filter(commune=commune, street_key=key)
            .order_by("number")
            .values_list("latitude", "longitude")
        )
        if numbers:
            lat, lon = numbers[len(numbers) // 2]
            matches.append(AddressMatch(streets[key], lat, lon, street_only=True, score=scores[key]))
    return matches


def address_nearest(
    *, commune: Commune, latitude: float, longitude: float, within_m: float = 120.0
) -> tuple[Address, int] | None:
    """The commune's address nearest to a point, and its distance in metres, if one lies within ``within_m``.

    Reads only the addresses in a small box around the point, through the (commune, latitude, longitude) index.
    """
    dlat = within_m / 111_320
    dlon = within_m / (111_320 * max(0.1, math.cos(math.radians(latitude))))
    box = Address.objects.filter(
        commune=commune,
        latitude__gte=latitude - dlat,
        latitude__lte=latitude + dlat,
        longitude__gte=longitude - dlon,
        longitude__lte=longitude + dlon,
    )
    best: tuple[Address, int] | None = None
    for address in box:
        x = math.radians(address.longitude - longitude) * math.cos(math.radians(latitude))
        y = math.radians(address.latitude - latitude)
        distance = 6_371_000 * math.hypot(x, y)
        if distance <= within_m and (best is None or distance < best[1]):
            best = (address, round(distance))
    return best


def address_near_label(*, commune: Commune, latitude: float, longitude: float) -> str:
    """The label of the commune's address nearest to a point (« 12 place du Marché »), '' when none lies within
    the distance `address_nearest` answers for."""
    found = address_nearest(commune=commune, latitude=latitude, longitude=longitude)
    return found[0].label if found else ""


def near_words(address: str) -> str:
    """« près du 14 rue des Écoles », where a point stands in words from its nearest address ('' without one)."""
    return gettext("près du %(address)s") % {"address": address} if address else ""


def map_layer_list(*, commune: Commune) -> QuerySet[MapLayer]:
    """The commune's base-map layers, without their features (the administration page's summary)."""
    return MapLayer.objects.filter(commune=commune).defer("features")


def address_locator(*, commune: Commune, within_m: float = 120.0) -> Callable[[float, float], str]:
    """A function giving the label of the commune's address nearest to a point (or ""), over the whole base
    read once into a grid of cells of about ``within_m``: for naming many points at once (after an import)."""
    cell = within_m / 111_320
    grid: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for address in Address.objects.filter(commune=commune).only(
        "latitude", "longitude", "number", "suffix", "street"
    ):
        key = (int(address.latitude // cell), int(address.longitude // cell))
        grid.setdefault(key, []).append((address.latitude, address.longitude, address.label))

    def nearest(latitude: float, longitude: float) -> str:
        cos = math.cos(math.radians(latitude))
        row, col = int(latitude // cell), int(longitude // cell)
        best, label = within_m, ""
        span = int(math.ceil(1 / max(cos, 0.1))) + 1  # a degree of longitude is shorter than one of latitude
        for i in (row - 1, row, row + 1):
            for j in range(col - span, col + span + 1):
                for lat, lon, text in grid.get((i, j), ()):
                    d = 6_371_000 * math.hypot(
                        math.radians(lon - longitude) * cos, math.radians(lat - latitude)
                    )
                    if d <= best:
                        best, label = d, text
        return label

    return nearest
