"""The quota table of a panel: for each category and feature, the bounds, the pool and the panel's count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from beffroi.participation.sortition.model import Quotas, SortitionError, Volunteer


@dataclass(frozen=True)
class QuotaRow:
    """One line of the quota table: `selected` panelists have `feature`, `available` volunteers have it."""

    category: str
    feature: str
    min: int
    max: int
    available: int
    selected: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


def quota_table(panel: Sequence[str], volunteers: Sequence[Volunteer], quotas: Quotas) -> list[QuotaRow]:
    """The quota table of `panel` (ids), in the quotas' order; a panel id not among the volunteers is refused."""
    by_id = {v.id: v for v in volunteers}
    missing = [vid for vid in panel if vid not in by_id]
    if missing:
        raise SortitionError(f"membre du panel absent des volontaires : « {missing[0]} »")
    table = []
    for category, features in quotas.items():
        for feature, bounds in features.items():
            table.append(
                QuotaRow(
                    category=category,
                    feature=feature,
                    min=bounds.min,
                    max=bounds.max,
                    available=sum(1 for v in volunteers if v.features.get(category) == feature),
                    selected=sum(1 for vid in panel if by_id[vid].features.get(category) == feature),
                )
            )
    return table
