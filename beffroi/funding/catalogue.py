"""The funding-mechanism catalogue: typed, validated records read from ``data/*.json`` (no Django).

``mechanisms.json`` holds the curated catalogue; the Aides-territoires importer produces dicts of the same
shape, which :func:`mechanism_from_dict` validates against the controlled vocabularies of
``vocabularies.json``, ``themes.json`` and ``geography.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DATA_DIR = Path(__file__).resolve().parent / "data"

STAGES: tuple[str, ...] = ("etude", "investissement", "fonctionnement")
AVAILABILITIES: tuple[str, ...] = ("permanent", "annuel", "fenetre", "programme", "clos", "inconnu")
PROFILE_KINDS: tuple[str, ...] = ("commune", "epci", "syndicat")
# The condition the Aides-territoires importer sets on an aid whose perimeter it cannot place (an ad-hoc area, a
# basin, a commune…): the aid is kept, and whether the commune lies inside stays « à vérifier ».
LOCAL_PERIMETER_CONDITION = "dans_perimetre_aides_territoires"


class CatalogueError(ValueError):
    """A mechanism record does not follow the catalogue schema (message in French)."""


@dataclass(frozen=True, slots=True)
class Beneficiary:
    code: str
    label: str
    plural: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every controlled list a mechanism may refer to, keyed by code."""

    themes: Mapping[str, str]
    beneficiaries: Mapping[str, Beneficiary]
    aid_types: Mapping[str, str]
    financial_aid_types: frozenset[str]
    stages: Mapping[str, str]
    zonages: Mapping[str, tuple[str, str]]  # code -> (label, "labellisées …" sentence fragment)
    zonage_help: Mapping[str, str]
    conditions: Mapping[str, str]
    funder_kinds: Mapping[str, str]
    regions: Mapping[str, str]
    departements: Mapping[str, tuple[str, str]]  # code -> (name, region code)

    def region_of(self, departement: str) -> str:
        return self.departements.get(departement, ("", ""))[1]

    def departement_name(self, code: str) -> str:
        name = self.departements.get(code, ("", ""))[0]
        return f"{name} ({code})" if name else code

    def region_name(self, code: str) -> str:
        return self.regions.get(code, code)


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str | None
    reference: str | None
    as_of: str | None


@dataclass(frozen=True, slots=True)
class EligibilityRule:
    """Who may apply: one beneficiary kind, optional population bounds (inclusive), extra conditions."""

    beneficiary: str
    population_min: int | None
    population_max: int | None
    conditions: tuple[str, ...]
    note: str | None

    def covers(self, population: int) -> bool:
        if self.population_min is not None and population < self.population_min:
            return False
        return self.population_max is None or population <= self.population_max


@dataclass(frozen=True, slots=True)
class Mechanism:
    code: str
    name: str
    short_name: str
    description: str
    funder_name: str
    funder_kind: str
    programme: str | None
    beneficiaries: tuple[str, ...]
    eligibility: tuple[EligibilityRule, ...]
    conditions: tuple[str, ...]
    regions: tuple[str, ...]
    departements: tuple[str, ...]
    epcis: tuple[str, ...]  # intercommunalities, by SIREN or by name (Aides-territoires gives names)
    perimeter: str | None  # the perimeter as the source names it, when no region or département says it
    zonages: tuple[str, ...]
    aid_types: tuple[str, ...]
    themes: tuple[str, ...]
    all_themes: bool
    stages: tuple[str, ...]
    rate_min_percent: Decimal | None
    rate_max_percent: Decimal | None
    rate_comment: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    amount_unit: str | None
    amount_comment: str | None
    public_aid_cap_percent: Decimal | None
    availability: str
    opens_on: date | None
    closes_on: date | None
    period_note: str | None
    is_call_for_projects: bool | None
    counts_as_public_funding: bool | None
    decret_2018_514: bool
    membership_required: bool
    european_funds: bool
    historical: bool
    regime_notes: str | None
    sources: tuple[Source, ...]
    source_url: str | None
    verified_on: date | None
    verified_against: str | None
    verification_note: str | None
    unverified: tuple[str, ...]
    aides_territoires_slug: str | None

    def is_closed(self, today: date) -> bool:
        """True when no application can be filed any more: the record says the mechanism is closed, or its
        deadline is past (a deadline day itself is still open)."""
        return self.availability == "clos" or (self.closes_on is not None and self.closes_on < today)

    @property
    def perimeter_unknown(self) -> bool:
        """True when the source gave a local perimeter the catalogue cannot place (kept, « à vérifier »)."""
        return LOCAL_PERIMETER_CONDITION in self.conditions

    def is_financial_only(self, vocabulary: Vocabulary) -> bool:
        """True when every aid type brings money, so the project needs an expense base."""
        return bool(self.aid_types) and all(t in vocabulary.financial_aid_types for t in self.aid_types)

    @property
    def display_name(self) -> str:
        """The full name, with the acronym after it when the name does not already hold it: a list of
        choices reads « Garantir vos investissements énergétiques : … (ADEME, Banque des Territoires) (CPE) »,
        never a bare « CPE »."""
        acronym = self.short_name.removeprefix("AAP ").strip()
        is_acronym = " " not in acronym and sum(1 for c in acronym if c.isupper()) >= 2
        if is_acronym and acronym not in self.name:
            return f"{self.name} ({acronym})"
        return self.name

    def link_label(self, url: str) -> str:
        """Readable text for a link to ``url``: the title of the source at that address, else the site's name
        (never the raw address)."""
        for source in self.sources:
            if source.url == url:
                return source.title
        host = urlsplit(url).hostname or url
        return host.removeprefix("www.")


def read_data_json(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def load_vocabulary() -> Vocabulary:
    vocab = read_data_json("vocabularies.json")
    themes = read_data_json("themes.json")
    geography = read_data_json("geography.json")
    return Vocabulary(
        themes={t["code"]: t["label"] for t in themes["themes"]},
        beneficiaries={
            b["code"]: Beneficiary(b["code"], b["label"], b["plural"]) for b in vocab["beneficiaries"]
        },
        aid_types={t["code"]: t["label"] for t in vocab["aid_types"]},
        financial_aid_types=frozenset(t["code"] for t in vocab["aid_types"] if t["group"] == "financiere"),
        stages={s["code"]: s["label"] for s in vocab["stages"]},
        zonages={z["code"]: (z["label"], z["sentence"]) for z in vocab["zonages"]},
        zonage_help={z["code"]: z.get("help", "") for z in vocab["zonages"]},
        conditions={c["code"]: c["label"] for c in vocab["conditions"]},
        funder_kinds={f["code"]: f["label"] for f in vocab["funder_kinds"]},
        regions={r["code"]: r["name"] for r in geography["regions"]},
        departements={d["code"]: (d["name"], d["region"]) for d in geography["departements"]},
    )


def _parse_date(value: Any, field: str, code: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CatalogueError(
            f"{code} : la date « {field} » ({value!r}) n'est pas au format AAAA-MM-JJ."
        ) from None


def _parse_decimal(value: Any, field: str, code: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise CatalogueError(f"{code} : « {field} » doit être un nombre.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise CatalogueError(f"{code} : « {field} » ({value!r}) n'est pas un nombre.") from None
    if not number.is_finite() or number < 0:
        raise CatalogueError(f"{code} : « {field} » doit être un nombre positif ou nul.")
    return number


def _parse_population(value: Any, field: str, code: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CatalogueError(f"{code} : « {field} » doit être un nombre entier d'habitants positif ou nul.")
    return value


def _codes(values: Any, allowed: Iterable[str], field: str, code: str) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise CatalogueError(f"{code} : « {field} » doit être une liste.")
    allowed_set = set(allowed)
    unknown = [v for v in values if v not in allowed_set]
    if unknown:
        raise CatalogueError(
            f"{code} : valeur(s) inconnue(s) dans « {field} » : {', '.join(map(str, unknown))}."
        )
    if len(set(values)) != len(values):
        raise CatalogueError(f"{code} : « {field} » contient des doublons.")
    return tuple(values)


def _names(values: Any, field: str, code: str) -> tuple[str, ...]:
    """A list of free names (intercommunalities: a SIREN or the name the source gives), none blank or twice."""
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise CatalogueError(f"{code} : « {field} » doit être une liste de noms.")
    if len(set(values)) != len(values):
        raise CatalogueError(f"{code} : « {field} » contient des doublons.")
    return tuple(v.strip() for v in values)


def _optional_text(value: Any, field: str, code: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{code} : « {field} » doit être un texte.")
    return value.strip()


def _text(data: Mapping[str, Any], key: str, code: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{code} : le champ « {key} » est obligatoire et doit être un texte.")
    return value


def mechanism_from_dict(data: Mapping[str, Any], vocabulary: Vocabulary | None = None) -> Mechanism:
    """Validate one catalogue record and turn it into a :class:`Mechanism`."""
    vocab = vocabulary or load_vocabulary()
    code = data.get("code")
    if not isinstance(code, str) or not code:
        raise CatalogueError("Un dispositif n'a pas de code.")

    beneficiaries = _codes(data.get("beneficiaries"), vocab.beneficiaries, "beneficiaries", code)
    if not beneficiaries:
        raise CatalogueError(f"{code} : au moins un bénéficiaire est requis.")
    rules = []
    for raw_rule in data.get("eligibility") or [{"beneficiary": b} for b in beneficiaries]:
        beneficiary = raw_rule.get("beneficiary")
        if beneficiary not in beneficiaries:
            raise CatalogueError(
                f"{code} : la règle d'éligibilité vise « {beneficiary} », absent des bénéficiaires."
            )
        low = _parse_population(raw_rule.get("population_min"), "population_min", code)
        high = _parse_population(raw_rule.get("population_max"), "population_max", code)
        if low is not None and high is not None and low > high:
            raise CatalogueError(f"{code} : population minimale supérieure à la population maximale.")
        rules.append(
            EligibilityRule(
                beneficiary=beneficiary,
                population_min=low,
                population_max=high,
                conditions=_codes(raw_rule.get("conditions", []), vocab.conditions, "conditions", code),
                note=raw_rule.get("note"),
            )
        )
    missing = set(beneficiaries) - {r.beneficiary for r in rules}
    if missing:
        raise CatalogueError(f"{code} : aucune règle d'éligibilité pour {', '.join(sorted(missing))}.")

    territory = data.get("territory") or {}
    funder = data.get("funder") or {}
    if funder.get("kind") not in vocab.funder_kinds:
        raise CatalogueError(f"{code} : type de financeur inconnu ({funder.get('kind')!r}).")
    rate = data.get("rate") or {}
    amount = data.get("amount") or {}
    regime = data.get("regime") or {}

    rate_min = _parse_decimal(rate.get("min_percent"), "rate.min_percent", code)
    rate_max = _parse_decimal(rate.get("max_percent"), "rate.max_percent", code)
    for value in (rate_min, rate_max):
        if value is not None and value > 100:
            raise CatalogueError(f"{code} : un taux ne peut pas dépasser 100 %.")
    if rate_min is not None and rate_max is not None and rate_min > rate_max:
        raise CatalogueError(f"{code} : taux minimal supérieur au taux maximal.")
    amount_min = _parse_decimal(amount.get("min"), "amount.min", code)
    amount_max = _parse_decimal(amount.get("max"), "amount.max", code)
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise CatalogueError(f"{code} : montant minimal supérieur au montant maximal.")
    cap = _parse_decimal(data.get("public_aid_cap_percent"), "public_aid_cap_percent", code)
    if cap is not None and cap > 100:
        raise CatalogueError(f"{code} : le plafond d'aides publiques ne peut pas dépasser 100 %.")

    availability = data.get("availability")
    if availability not in AVAILABILITIES:
        raise CatalogueError(f"{code} : disponibilité inconnue ({availability!r}).")
    opens_on = _parse_date(data.get("opens_on"), "opens_on", code)
    closes_on = _parse_date(data.get("closes_on"), "closes_on", code)
    if opens_on and closes_on and closes_on < opens_on:
        raise CatalogueError(f"{code} : la date de clôture précède la date d'ouverture.")

    themes = _codes(data.get("themes", []), vocab.themes, "themes", code)
    all_themes = bool(data.get("all_themes", False))
    stages = _codes(data.get("stages"), STAGES, "stages", code)
    if not stages:
        raise CatalogueError(f"{code} : au moins une étape de projet est requise.")
    aid_types = _codes(data.get("aid_types"), vocab.aid_types, "aid_types", code)
    if not aid_types:
        raise CatalogueError(f"{code} : au moins un type d'aide est requis.")

    sources = tuple(
        Source(
            title=s.get("title") or "", url=s.get("url"), reference=s.get("reference"), as_of=s.get("as_of")
        )
        for s in data.get("sources") or []
    )
    source_url = data.get("source_url")
    if source_url is not None and not (isinstance(source_url, str) and source_url.startswith("https://")):
        raise CatalogueError(f"{code} : l'adresse de la source doit commencer par https://.")
    verified_on = _parse_date(data.get("verified_on"), "verified_on", code)
    verified_against = data.get("verified_against")
    if verified_against is not None and not (
        isinstance(verified_against, str) and verified_against.startswith("https://")
    ):
        raise CatalogueError(f"{code} : l'adresse de la page vérifiée doit commencer par https://.")
    # A date without the page it was checked against is not a verification anyone can repeat.
    if verified_on is not None and verified_against is None:
        raise CatalogueError(f"{code} : une date de vérification exige l'adresse de la page vérifiée.")
    if verified_against is not None and verified_on is None:
        raise CatalogueError(f"{code} : une page vérifiée exige la date de la vérification.")

    return Mechanism(
        code=code,
        name=_text(data, "name", code) or "",
        short_name=data.get("short_name") or data["name"],
        description=data.get("description") or "",
        funder_name=funder.get("name") or "",
        funder_kind=funder["kind"],
        programme=data.get("programme"),
        beneficiaries=beneficiaries,
        eligibility=tuple(rules),
        conditions=_codes(data.get("conditions", []), vocab.conditions, "conditions", code),
        regions=_codes(territory.get("regions", []), vocab.regions, "territory.regions", code),
        departements=_codes(
            territory.get("departements", []), vocab.departements, "territory.departements", code
        ),
        epcis=_names(territory.get("epcis", []), "territory.epcis", code),
        perimeter=_optional_text(territory.get("perimeter"), "territory.perimeter", code),
        zonages=_codes(territory.get("zonages", []), vocab.zonages, "territory.zonages", code),
        aid_types=aid_types,
        themes=themes,
        all_themes=all_themes,
        stages=stages,
        rate_min_percent=rate_min,
        rate_max_percent=rate_max,
        rate_comment=rate.get("comment"),
        amount_min=amount_min,
        amount_max=amount_max,
        amount_unit=amount.get("unit"),
        amount_comment=amount.get("comment"),
        public_aid_cap_percent=cap,
        availability=availability,
        opens_on=opens_on,
        closes_on=closes_on,
        period_note=data.get("period_note"),
        is_call_for_projects=data.get("is_call_for_projects"),
        counts_as_public_funding=regime.get("counts_as_public_funding"),
        decret_2018_514=bool(regime.get("decret_2018_514", False)),
        membership_required=bool(regime.get("membership_required", False)),
        european_funds=bool(regime.get("european_funds", False)),
        historical=bool(regime.get("historical", False)),
        regime_notes=regime.get("notes"),
        sources=sources,
        source_url=source_url,
        verified_on=verified_on,
        verified_against=verified_against,
        verification_note=data.get("verification_note"),
        unverified=tuple(data.get("unverified") or ()),
        aides_territoires_slug=data.get("aides_territoires_slug"),
    )


def load_catalogue_data() -> dict[str, Any]:
    """The raw ``mechanisms.json`` document (for the API and the schema tests)."""
    data: dict[str, Any] = read_data_json("mechanisms.json")
    return data


@cache
def load_mechanisms() -> tuple[Mechanism, ...]:
    """The curated catalogue, validated; codes are unique."""
    vocab = load_vocabulary()
    mechanisms = tuple(mechanism_from_dict(m, vocab) for m in load_catalogue_data()["mechanisms"])
    seen: set[str] = set()
    for mechanism in mechanisms:
        if mechanism.code in seen:
            raise CatalogueError(f"Code de dispositif en double : {mechanism.code}.")
        seen.add(mechanism.code)
    return mechanisms
