"""The smart-territory use-case catalogue, read from ``data/use_cases.json`` (pure, no Django).

The pages use the Django-side helpers of ``beffroi.planning.use_cases``; this module only loads the data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class UseCase:
    code: str
    name: str
    summary: str
    themes: tuple[str, ...]
    maturity_domains: tuple[str, ...]
    funding: tuple[str, ...]
    beffroi_module: str | None
    relevant_from_population: int | None
    data: Mapping[str, Any]  # the full record (costs, indicators, risks…) for pages and the API

    def is_relevant_for(self, population: int | None) -> bool | None:
        """None when the population is unknown."""
        if population is None:
            return None
        return self.relevant_from_population is None or population >= self.relevant_from_population


def load_use_case_data() -> dict[str, Any]:
    with (DATA_DIR / "use_cases.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def load_use_cases() -> tuple[UseCase, ...]:
    return tuple(
        UseCase(
            code=record["code"],
            name=record["name"],
            summary=record["summary"],
            themes=tuple(record["themes"]),
            maturity_domains=tuple(record["maturity_domains"]),
            funding=tuple(record["funding"]),
            beffroi_module=record["beffroi_module"],
            relevant_from_population=record.get("relevant_from_population"),
            data=record,
        )
        for record in load_use_case_data()["use_cases"]
    )


def use_cases_by_code() -> dict[str, UseCase]:
    return {use_case.code: use_case for use_case in load_use_cases()}
