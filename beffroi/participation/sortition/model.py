"""The pool, the quotas and the errors of the panel lottery, and the grouping every algorithm works on.

Volunteers who share the same feature in every category are interchangeable for the quotas: the algorithms work
on these *groups* (a few dozen even for thousands of volunteers) and treat the members of a group alike, which is
what makes LEXIMIN fast without changing its result (the leximin-optimal probabilities are unique, hence equal
inside a group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class SortitionError(ValueError):
    """Input the lottery cannot use, explained in French; `line` and `column` locate it in a file when known."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None):
        self.problem = message
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"ligne {line}")
        if column is not None:
            where.append(f"colonne « {column} »")
        super().__init__(f"{', '.join(where)} : {message}" if where else message)


class InfeasibleQuotas(SortitionError):
    """No panel of the requested size meets every quota; `category` names the category that makes it so."""

    def __init__(self, message: str, *, category: str | None):
        self.category = category
        super().__init__(message)


@dataclass(frozen=True)
class Volunteer:
    """A volunteer: an identifier unique in the pool and a feature for each quota category.

    `line` is the volunteer's line in the file it was read from (None when built in code), for error messages.
    """

    id: str
    features: Mapping[str, str]
    line: int | None = None


@dataclass(frozen=True)
class FeatureQuota:
    """How many panelists may have one feature: at least `min`, at most `max` (both included)."""

    min: int
    max: int


# category → feature → bounds, e.g. {"sexe": {"femme": FeatureQuota(5, 7), "homme": FeatureQuota(5, 7)}}
Quotas = Mapping[str, Mapping[str, FeatureQuota]]


@dataclass(frozen=True)
class Group:
    """Volunteers with the same feature in every category (in the quotas' category order), ids sorted."""

    features: tuple[str, ...]
    ids: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Pool:
    """A checked pool: the quotas' categories in order, the groups, and each (category, feature) constraint.

    `rows[r]` is `(category, feature, min, max, members)` where `members` lists the indices of the groups having
    that feature; every algorithm builds its programs from these rows.
    """

    categories: tuple[str, ...]
    groups: tuple[Group, ...]
    rows: tuple[tuple[str, str, int, int, tuple[int, ...]], ...]
    k: int

    @property
    def size(self) -> int:
        return sum(g.size for g in self.groups)

    def group_of(self) -> dict[str, int]:
        """Each volunteer id → the index of its group."""
        return {vid: index for index, group in enumerate(self.groups) for vid in group.ids}

    def meets_quotas(self, counts: Sequence[int]) -> bool:
        """Whether a panel taking `counts[g]` volunteers from each group g has size k and meets every quota."""
        if sum(counts) != self.k or any(
            c < 0 or c > g.size for c, g in zip(counts, self.groups, strict=True)
        ):
            return False
        return all(lo <= sum(counts[g] for g in members) <= hi for _, _, lo, hi, members in self.rows)


def build_pool(volunteers: Sequence[Volunteer], quotas: Quotas, k: int) -> Pool:
    """Check the volunteers against the quotas and group them; infeasibility is checked separately.

    Refused, in French: a panel size that is not positive or exceeds the pool, an empty or duplicate id, a
    category without any feature, a feature whose min exceeds its max or is negative, a volunteer without a
    feature for a category or with a feature the quotas do not list.
    """
    if not quotas:
        raise SortitionError("aucune catégorie de quotas n'est définie")
    if k <= 0:
        raise SortitionError(f"la taille du panel doit être un entier positif (reçu : {k})")
    if len(volunteers) < k:
        raise InfeasibleQuotas(
            f"le panel de {k} personnes ne peut pas être tiré parmi {len(volunteers)} volontaires",
            category=None,
        )
    categories = tuple(quotas)
    for category, features in quotas.items():
        if not features:
            raise SortitionError(f"la catégorie « {category} » n'a aucune valeur", column=category)
        for feature, bounds in features.items():
            if bounds.min < 0 or bounds.max < 0:
                raise SortitionError(
                    f"les bornes de « {feature} » (catégorie « {category} ») doivent être positives"
                )
            if bounds.min > bounds.max:
                raise SortitionError(
                    f"le minimum de « {feature} » (catégorie « {category} ») dépasse son maximum "
                    f"({bounds.min} > {bounds.max})"
                )
    seen: set[str] = set()
    by_features: dict[tuple[str, ...], list[str]] = {}
    for volunteer in volunteers:
        if not volunteer.id.strip():
            raise SortitionError("identifiant vide", line=volunteer.line, column="id")
        if volunteer.id in seen:
            raise SortitionError(
                f"l'identifiant « {volunteer.id} » apparaît deux fois", line=volunteer.line, column="id"
            )
        seen.add(volunteer.id)
        key: list[str] = []
        for category in categories:
            value = volunteer.features.get(category)
            if value is None or not value.strip():
                raise SortitionError(
                    f"le volontaire « {volunteer.id} » n'a pas de valeur pour la catégorie « {category} »",
                    line=volunteer.line,
                    column=category,
                )
            if value not in quotas[category]:
                known = ", ".join(f"« {f} »" for f in quotas[category])
                raise SortitionError(
                    f"valeur inconnue « {value} » pour la catégorie « {category} » (valeurs des quotas : {known})",
                    line=volunteer.line,
                    column=category,
                )
            key.append(value)
        by_features.setdefault(tuple(key), []).append(volunteer.id)
    groups = tuple(Group(features, tuple(sorted(ids))) for features, ids in sorted(by_features.items()))
    rows = []
    for position, category in enumerate(categories):
        for feature, bounds in quotas[category].items():
            members = tuple(i for i, g in enumerate(groups) if g.features[position] == feature)
            rows.append((category, feature, bounds.min, bounds.max, members))
    return Pool(categories=categories, groups=groups, rows=tuple(rows), k=k)
