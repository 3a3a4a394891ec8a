"""Importer for the Aides-territoires public API (pure: the HTTP call is injected, no Django).

The API (research note §1.4; Symfony ``AidController::getResultsSpe``) pages its results as
``{count, previous, next, results}`` and returns **display labels** ("Communes", "Subvention",
"Réflexion / conception"…) instead of codes. This module follows ``next`` through an injected ``fetch``
function, maps every label back to Beffroi's codes with the lists of ``data/vocabularies.json`` and
``data/themes.json``, and produces mechanism dicts in the shape of ``data/mechanisms.json``, each validated
by :func:`beffroi.funding.catalogue.mechanism_from_dict`.

Authentication (``X-AUTH-TOKEN`` → ``POST /api/connexion/`` → ``Authorization: Bearer <JWT>``) belongs to the
``fetch`` the caller injects. Data licence: Licence Ouverte v2.0 (Etalab).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin

from beffroi.funding.catalogue import (
    LOCAL_PERIMETER_CONDITION,
    CatalogueError,
    Vocabulary,
    load_vocabulary,
    mechanism_from_dict,
    read_data_json,
)

SITE = "https://aides-territoires.beta.gouv.fr"
API_BASE = f"{SITE}/api/"
DATA_LICENCE = "Licence Ouverte v2.0 (Etalab)"
MAX_ITEMS_PER_PAGE = 100  # Symfony API maximum (the Django era allowed 1,000)

FetchJson = Callable[[str], Any]

NATIONAL_PERIMETERS = {"france", "france metropolitaine", "europe", "union europeenne", "monde"}
# Perimeter scales (geofr) that name one intercommunality: the aid is then for that EPCI's members only.
EPCI_SCALES = {"epci", "intercommunalite"}

# Funder names → kind of funder. Order matters: the first hint found in the name wins.
FUNDER_KIND_HINTS: tuple[tuple[str, str], ...] = (
    ("banque des territoires", "caisse_des_depots"),
    ("caisse des depots", "caisse_des_depots"),
    ("agence france locale", "banque_collectivites"),
    ("commission europeenne", "union_europeenne"),
    ("union europeenne", "union_europeenne"),
    ("feder", "union_europeenne"),
    ("leader", "union_europeenne"),
    ("conseil regional", "region"),
    ("region ", "region"),
    ("conseil departemental", "departement"),
    ("agence technique departementale", "departement"),
    ("syndicat", "syndicat"),
    ("sdec", "syndicat"),
    ("ademe", "operateur_etat"),
    ("anct", "operateur_etat"),
    ("agence nationale", "operateur_etat"),
    ("cerema", "operateur_etat"),
    ("ministere", "etat"),
    ("prefecture", "etat"),
    ("direction departementale", "etat"),
    ("ddt", "etat"),
    ("dreal", "etat"),
    ("etat", "etat"),
)


class AidesTerritoiresError(ValueError):
    """The API answered something the importer cannot read (French message)."""


def normalize_label(label: str) -> str:
    """Case-, accent-, ligature- and apostrophe-insensitive key: 'Mise en œuvre / réalisation' == 'mise en oeuvre / realisation'."""
    text = label.replace("œ", "oe").replace("Œ", "OE").replace("’", "'").replace("\u00a0", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().casefold()


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "br", "li", "div", "h1", "h2", "h3", "h4", "ul", "ol", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """AT descriptions are HTML; keep the text, one paragraph per line."""
    if not value:
        return ""
    extractor = _TextExtractor()
    extractor.feed(value)
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class LabelMaps:
    """Normalised AT label → Beffroi codes, built from the controlled vocabularies."""

    audiences: Mapping[str, tuple[str, ...]]
    aid_types: Mapping[str, str]
    steps: Mapping[str, str]
    destinations: Mapping[str, str]
    recurrences: Mapping[str, str]
    categories: Mapping[str, tuple[str, ...]]
    themes: Mapping[str, tuple[str, ...]]
    regions: Mapping[str, str]
    departements: Mapping[str, str]


def _multi(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    result: dict[str, list[str]] = {}
    for label, code in pairs:
        codes = result.setdefault(normalize_label(label), [])
        if code not in codes:
            codes.append(code)
    return {label: tuple(codes) for label, codes in result.items()}


@cache
def load_label_maps() -> LabelMaps:
    vocab = read_data_json("vocabularies.json")
    themes = read_data_json("themes.json")["themes"]
    geography = read_data_json("geography.json")
    return LabelMaps(
        audiences=_multi(
            (label, b["code"]) for b in vocab["beneficiaries"] for label in b["aides_territoires"]
        ),
        aid_types={
            normalize_label(label): t["code"] for t in vocab["aid_types"] for label in t["aides_territoires"]
        },
        steps={
            normalize_label(label): s["code"]
            for s in vocab["stages"]
            for label in s["aides_territoires_steps"]
        },
        destinations={
            normalize_label(label): s["code"]
            for s in vocab["stages"]
            for label in s.get("aides_territoires_destinations", [])
        },
        recurrences={
            normalize_label(label): r["code"]
            for r in vocab["recurrences"]
            for label in r["aides_territoires"]
        },
        categories=_multi(
            (label, t["code"]) for t in themes for label in t["aides_territoires"]["categories"]
        ),
        themes=_multi((label, t["code"]) for t in themes for label in t["aides_territoires"]["themes"]),
        regions={normalize_label(r["name"]): r["code"] for r in geography["regions"]},
        departements={normalize_label(d["name"]): d["code"] for d in geography["departements"]},
    )


@dataclass(slots=True)
class ImportedAid:
    mechanism: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    mechanisms: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pages: int = 0
    count: int | None = None


def search_url(
    *,
    organization_type: str = "commune",
    search_perimeter: int | None = None,
    items_per_page: int = MAX_ITEMS_PER_PAGE,
) -> str:
    """First page of ``/api/aids/`` for one kind of beneficiary and one AT perimeter id (Symfony parameter names)."""
    params: dict[str, Any] = {"organizationType": organization_type, "itemsPerPage": min(items_per_page, 100)}
    if search_perimeter is not None:
        params["searchPerimeter"] = search_perimeter
    return f"{API_BASE}aids/?{urlencode(params)}"


def _funder_kind(names: Iterable[str]) -> str:
    for name in names:
        key = f" {normalize_label(name)} "
        for hint, kind in FUNDER_KIND_HINTS:
            if f" {hint}" in key:
                return kind
    return "autre"


def _split_category(value: str) -> tuple[str, str]:
    """'Thème / Catégorie' (Symfony) or 'Thème|Catégorie' (Django API ≥ 1.2) → (theme, category)."""
    if "|" in value:
        theme, _, category = value.partition("|")
    elif " / " in value:
        theme, _, category = value.rpartition(" / ")  # themes may contain " / " themselves
    else:
        theme, category = "", value
    return theme.strip(), category.strip()


def _iso_date(value: Any, label: str, warnings: list[str]) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        warnings.append(f"Date « {label} » illisible : {value!r}.")
        return None


def _percent(value: Any) -> int | float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def aid_to_mechanism(aid: Mapping[str, Any], *, maps: LabelMaps | None = None) -> ImportedAid:
    """Map one AT aid (labels) to a Beffroi mechanism dict (codes); unknown labels become French warnings."""
    maps = maps or load_label_maps()
    warnings: list[str] = []
    name = str(aid.get("name") or "").strip()
    aid_id = aid.get("id")
    slug = aid.get("slug")
    if not name or aid_id is None:
        raise AidesTerritoiresError(f"Aide sans identifiant ou sans nom : {aid_id!r} {name!r}.")
    where = f"Aide {aid_id} « {name} »"

    def unknown(kind: str, label: str) -> None:
        warnings.append(f"{where} : {kind} « {label} » inconnu, ignoré.")

    beneficiaries: list[str] = []
    for label in aid.get("targeted_audiences") or []:
        codes = maps.audiences.get(normalize_label(label))
        if codes is None:
            unknown("bénéficiaire", label)
            continue
        beneficiaries.extend(c for c in codes if c not in beneficiaries)

    aid_types: list[str] = []
    for label in aid.get("aid_types") or []:
        code = maps.aid_types.get(normalize_label(label))
        if code is None:
            unknown("type d'aide", label)
        elif code not in aid_types:
            aid_types.append(code)

    stages: list[str] = []
    steps = [maps.steps.get(normalize_label(label)) for label in aid.get("mobilization_steps") or []]
    destinations = [maps.destinations.get(normalize_label(label)) for label in aid.get("destinations") or []]
    for label, code in zip(aid.get("mobilization_steps") or [], steps, strict=True):
        if code is None:
            unknown("étape", label)
    for label, code in zip(aid.get("destinations") or [], destinations, strict=True):
        if code is None:
            unknown("type de dépense", label)
    # "Réalisation" covers investment or operating spending: the destinations say which, when given.
    if "etude" in steps:
        stages.append("etude")
    if "investissement" in steps:
        if any(destinations):
            stages.extend(d for d in destinations if d)
        else:
            stages.append("investissement")
    if "fonctionnement" in steps:
        stages.append("fonctionnement")
    if not any(steps):
        stages.extend(d for d in destinations if d)
    stages = [s for s in ("etude", "investissement", "fonctionnement") if s in stages]
    if not stages:
        stages = ["etude", "investissement", "fonctionnement"]
        warnings.append(f"{where} : étape du projet non précisée, toutes les étapes sont retenues.")

    themes: list[str] = []
    for value in aid.get("categories") or []:
        theme_label, category_label = _split_category(value)
        codes = maps.categories.get(normalize_label(category_label)) or maps.themes.get(
            normalize_label(theme_label)
        )
        if codes is None:
            warnings.append(f"{where} : catégorie « {value} » sans thématique Beffroi correspondante.")
            continue
        themes.extend(c for c in codes if c not in themes)
    if not themes:
        warnings.append(f"{where} : aucune thématique reconnue ; l'aide ne sera proposée à aucun projet.")

    regions: list[str] = []
    departements: list[str] = []
    epcis: list[str] = []
    conditions: list[str] = []
    perimeter = str(aid.get("perimeter") or "").strip()
    perimeter_key = normalize_label(perimeter)
    scale = str(aid.get("perimeter_scale") or "").strip()
    perimeter_note = None
    if perimeter_key in maps.departements:
        departements.append(maps.departements[perimeter_key])
    elif perimeter_key in maps.regions:
        regions.append(maps.regions[perimeter_key])
    elif perimeter and perimeter_key not in NATIONAL_PERIMETERS:
        # An intercommunality is matched with the commune's own by name; any other local perimeter (a basin,
        # a LEADER group, a commune…) cannot be placed: the aid stays, « à vérifier ».
        if normalize_label(scale) in EPCI_SCALES:
            epcis.append(perimeter)
        else:
            conditions.append(LOCAL_PERIMETER_CONDITION)
        perimeter_note = f"Périmètre Aides-territoires : {perimeter}"
        if scale:
            perimeter_note += f" ({scale})"
        perimeter_note += "."

    if not beneficiaries:
        warnings.append(f"{where} : aucun bénéficiaire reconnu.")
    if not aid_types:
        warnings.append(f"{where} : aucun type d'aide reconnu.")

    recurrence_label = aid.get("recurrence")
    recurrence = maps.recurrences.get(normalize_label(recurrence_label)) if recurrence_label else None
    if recurrence_label and recurrence is None:
        unknown("récurrence", recurrence_label)
    opens_on = _iso_date(aid.get("start_date"), "start_date", warnings)
    closes_on = _iso_date(aid.get("submission_deadline"), "submission_deadline", warnings)
    predeposit = _iso_date(aid.get("predeposit_date"), "predeposit_date", warnings)
    if opens_on or closes_on:
        availability = "fenetre"
    elif recurrence == "permanente":
        availability = "permanent"
    elif recurrence == "recurrente":
        availability = "annuel"
    else:
        availability = "inconnu"
    period = []
    if predeposit:
        period.append(f"Pré-dépôt avant le {date.fromisoformat(predeposit).strftime('%d/%m/%Y')}.")
    if recurrence_label:
        period.append(f"Récurrence indiquée par Aides-territoires : {recurrence_label}.")

    financers = [str(f) for f in aid.get("financers") or []]
    funder_kind = _funder_kind(financers)
    financial = any(t in load_vocabulary().financial_aid_types for t in aid_types)
    lending_only = bool(aid_types) and set(aid_types) <= {"pret", "avance_recuperable"}
    if not financial:
        counts_public: bool | None = None
    elif lending_only:
        counts_public = False
    else:
        counts_public = True if funder_kind not in ("autre", "banque_collectivites") else None

    page = aid.get("url") or (f"/aides/{slug}/" if slug else None)
    page_url = urljoin(SITE, page) if page else None
    updated = _iso_date(aid.get("date_updated"), "date_updated", warnings)
    sources = [
        {
            "title": f"Aides-territoires – {name}",
            "url": page_url,
            "reference": None,
            "as_of": f"mise à jour Aides-territoires du {updated}" if updated else None,
        }
    ]
    origin = aid.get("origin_url")
    if origin:
        sources.append(
            {"title": "Plus d'informations (financeur)", "url": origin, "reference": None, "as_of": None}
        )
    if aid.get("application_url"):
        sources.append(
            {"title": "Candidater", "url": aid["application_url"], "reference": None, "as_of": None}
        )

    loan, advance = aid.get("loan_amount"), aid.get("recoverable_advance_amount")
    amount_max = loan or advance or None
    amount_unit = "prêt maximum" if loan else ("avance maximale" if advance else None)
    lower, upper = (
        _percent(aid.get("subvention_rate_lower_bound")),
        _percent(aid.get("subvention_rate_upper_bound")),
    )
    description = html_to_text(aid.get("description"))
    eligibility_text = html_to_text(aid.get("eligibility"))
    european = funder_kind == "union_europeenne" or bool(aid.get("european_aid"))

    mechanism: dict[str, Any] = {
        "code": f"AT_{aid_id}",
        "name": name,
        "short_name": aid.get("short_title") or aid.get("name_initial") or name,
        "description": description,
        "funder": {"name": " ; ".join(financers) or "Financeur non précisé", "kind": funder_kind},
        "programme": " ; ".join(aid.get("programs") or []) or None,
        "beneficiaries": beneficiaries,
        "eligibility": [
            {
                "beneficiary": b,
                "population_min": None,
                "population_max": None,
                "conditions": [],
                "note": perimeter_note,
            }
            for b in beneficiaries
        ],
        "eligibility_text": eligibility_text or None,
        "conditions": conditions,
        "territory": {
            "regions": regions,
            "departements": departements,
            "zonages": [],
            # only for a local perimeter, so a national or regional record keeps the curated catalogue's shape
            **({"epcis": epcis} if epcis else {}),
            **({"perimeter": perimeter} if perimeter_note else {}),
        },
        "aid_types": aid_types,
        "themes": themes,
        "all_themes": False,
        "stages": stages,
        "rate": {
            "min_percent": lower if upper is not None else None,
            "max_percent": upper if upper is not None else lower,
            "comment": aid.get("subvention_comment") or None,
        },
        "amount": {"min": None, "max": amount_max, "unit": amount_unit, "comment": None},
        "public_aid_cap_percent": None,
        "availability": availability,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "period_note": " ".join(period) or None,
        "is_call_for_projects": bool(aid.get("is_call_for_project")),
        "regime": {
            "counts_as_public_funding": counts_public,
            "decret_2018_514": False,
            "membership_required": False,
            "european_funds": european,
            "historical": False,
            "notes": None,
        },
        "sources": sources,
        "source_url": page_url,
        "verified_on": None,
        "unverified": ["Fiche importée automatiquement d'Aides-territoires, non relue par la commune."],
        "aides_territoires_slug": slug,
        "import": {
            "source": "aides-territoires",
            "id": aid_id,
            "is_live": aid.get("is_live"),
            "is_charged": aid.get("is_charged"),
            "date_updated": aid.get("date_updated"),
            "licence": DATA_LICENCE,
            "share_licence": aid.get("import_share_licence"),
            "data_mention": aid.get("import_data_mention"),
        },
    }
    return ImportedAid(mechanism=mechanism, warnings=warnings)


def import_aids(
    fetch: FetchJson,
    first_url: str,
    *,
    max_pages: int = 200,
    vocabulary: Vocabulary | None = None,
) -> ImportReport:
    """Read every page from ``first_url`` on, following ``next``; return validated mechanism dicts.

    An aid that cannot be turned into a valid mechanism is reported in ``rejected`` and the import goes on.
    """
    vocab = vocabulary or load_vocabulary()
    maps = load_label_maps()
    report = ImportReport()
    seen: set[str] = set()
    url: str | None = first_url
    while url:
        if url in seen:
            raise AidesTerritoiresError(f"La pagination d'Aides-territoires boucle sur {url}.")
        if report.pages >= max_pages:
            raise AidesTerritoiresError(f"Import interrompu après {max_pages} pages (limite atteinte).")
        seen.add(url)
        try:
            page = fetch(url)
        except AidesTerritoiresError:
            raise
        except Exception as error:  # the injected fetch may raise anything (network, HTTP, JSON)
            raise AidesTerritoiresError(f"Échec de la lecture de {url} : {error}") from error
        report.pages += 1
        if not isinstance(page, Mapping) or not isinstance(page.get("results"), list):
            raise AidesTerritoiresError(
                f"Réponse inattendue d'Aides-territoires pour {url} : objet {{count, next, results}} attendu."
            )
        if report.count is None and isinstance(page.get("count"), int):
            report.count = page["count"]
        for aid in page["results"]:
            try:
                imported = aid_to_mechanism(aid, maps=maps)
                mechanism_from_dict(imported.mechanism, vocab)
            except (AidesTerritoiresError, CatalogueError) as error:
                report.rejected.append(str(error))
                continue
            report.mechanisms.append(imported.mechanism)
            report.warnings.extend(imported.warnings)
        next_url = page.get("next")
        url = urljoin(url, next_url) if next_url else None
    received = len(report.mechanisms) + len(report.rejected)
    if report.count is not None and received != report.count:
        report.warnings.append(
            f"Aides-territoires annonçait {report.count} aides, {received} ont été reçues."
        )
    return report
