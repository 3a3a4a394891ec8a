"""Eligibility matching of funding mechanisms to a commune's project (pure, no Django).

Two paths give the same verdict:

* the **fast path** answers "which mechanisms match?" with precomputed bitmask indexes (one bit per
  mechanism): population and date bounds are swept once into interval indexes, beneficiaries, territories,
  zonages, conditions, themes and stages into per-value masks. A verdict is then a handful of integer ANDs,
  so 5,000 mechanisms × 100 projects take a fraction of a second (``bench/funding_matching.py``);
* the **explain path** (:meth:`MatchingEngine.explain`) walks one mechanism criterion by criterion and says,
  in French, why it matches or not. A mechanism matches when no reason is ``ko``; reasons marked
  ``a_verifier`` (a condition the profile does not state, a calendar fixed locally) never block.

Both paths are kept equal by a property-based test (``tests/funding/test_matching.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any, overload

from beffroi.core.formatting import format_date, format_eur, format_int, format_percent, join_fr
from beffroi.core.text import normalise
from beffroi.funding.catalogue import (
    LOCAL_PERIMETER_CONDITION,
    PROFILE_KINDS,
    STAGES,
    EligibilityRule,
    Mechanism,
    Vocabulary,
    load_vocabulary,
    mechanism_from_dict,
)

CENT = Decimal("0.01")


class MatchingInputError(ValueError):
    """A commune profile or project cannot be matched as given (message in French, shown to the user)."""


class Status(StrEnum):
    OK = "ok"
    KO = "ko"
    TO_CHECK = "a_verifier"
    INFO = "info"


class Criterion(StrEnum):
    BENEFICIARY = "beneficiaire"
    POPULATION = "population"
    TERRITORY = "territoire"
    ZONAGE = "zonage"
    CONDITIONS = "conditions"
    CALENDAR = "calendrier"
    THEME = "thematique"
    STAGE = "etape"
    EXPENSES = "depenses"
    AMOUNT = "montant"
    REGIME = "regime"
    SOURCE = (
        "source"  # how the catalogue's record was checked: shown apart, under « Sources et vérification »
    )


class TerritoryScope(StrEnum):
    """Where a mechanism may be sought, seen from one applicant (what Aides-territoires' perimeter search
    answers): open everywhere, reserved to the applicant's own region / département / intercommunality,
    reserved to another one, or on a perimeter the catalogue cannot place."""

    NATIONAL = "national"
    LOCAL = "local"
    ELSEWHERE = "ailleurs"
    UNKNOWN = "a_verifier"


# Intercommunalities are written « CC du Pays de … » (geo.api.gouv.fr, Aides-territoires) or in full.
_EPCI_ABBREVIATIONS = {
    "cc": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
}


def epci_key(name: str) -> str:
    """A comparable form of an intercommunality's name or SIREN: case, accents and punctuation ignored,
    « CC », « CA », « CU » spelled out (« CC des Coteaux du Val » == « Communauté de communes des coteaux du
    val »)."""
    words = normalise(name).split()
    if words and words[0] in _EPCI_ABBREVIATIONS:
        words[0] = _EPCI_ABBREVIATIONS[words[0]]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: Criterion
    status: Status
    message: str


def _as_amount(value: Any, label: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise MatchingInputError(f"Le montant « {label} » doit être un nombre décimal exact (pas {value!r}).")
    amount = Decimal(value)
    if not amount.is_finite():
        raise MatchingInputError(f"Le montant « {label} » n'est pas un nombre.")
    if amount < 0:
        raise MatchingInputError(f"Le montant « {label} » ne peut pas être négatif.")
    return amount


@dataclass(frozen=True, slots=True)
class CommuneProfile:
    """Who applies: a commune, an EPCI or a syndicat, where it is and what it is labelled or committed to.

    ``conditions_met`` / ``conditions_not_met`` hold codes of ``vocabularies.json`` conditions; a condition in
    neither set is unknown, and a mechanism that needs it stays matched with a reason "à vérifier".
    Zonages work the same way: ``zonages`` are those the commune is classified in, ``zonages_absent`` those
    it is known not to be; a mechanism reserved to zonages the profile does not state stays "à vérifier".
    """

    population: int
    departement: str
    kind: str = "commune"
    region: str = ""
    zonages: frozenset[str] = frozenset()
    zonages_absent: frozenset[str] = frozenset()
    conditions_met: frozenset[str] = frozenset()
    conditions_not_met: frozenset[str] = frozenset()
    name: str = ""
    epci: str = ""  # the applicant's intercommunality, by name
    epci_siren: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.population, bool) or not isinstance(self.population, int) or self.population < 0:
            raise MatchingInputError("La population doit être un nombre entier d'habitants positif ou nul.")
        if self.kind not in PROFILE_KINDS:
            raise MatchingInputError(
                f"Type de collectivité inconnu « {self.kind} » : commune, epci ou syndicat attendu."
            )
        for name in ("zonages", "zonages_absent", "conditions_met", "conditions_not_met"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        contradictory = self.zonages & self.zonages_absent
        if contradictory:
            raise MatchingInputError(
                "Un zonage ne peut pas être à la fois présent et absent : "
                f"{', '.join(sorted(contradictory))}."
            )
        both = self.conditions_met & self.conditions_not_met
        if both:
            raise MatchingInputError(
                f"Une condition ne peut pas être à la fois remplie et non remplie : {', '.join(sorted(both))}."
            )
        if not self.region and self.departement:
            object.__setattr__(self, "region", load_vocabulary().region_of(self.departement))

    @property
    def epci_keys(self) -> frozenset[str]:
        """The comparable forms of the applicant's intercommunality (name and SIREN); empty when unknown."""
        return frozenset(epci_key(v) for v in (self.epci, self.epci_siren) if v.strip())


def territory_scope(mechanism: Mechanism, commune: CommuneProfile) -> TerritoryScope:
    """Whether ``mechanism``'s perimeter holds the applicant (Aides-territoires' perimeter search: an aid of
    France, of the applicant's region, département or intercommunality is offered; another territory's is not).

    An applicant whose département is not known is outside every regional or departmental perimeter (it cannot
    be shown to be inside); one whose intercommunality is not known is « à vérifier » for an aid reserved to
    intercommunalities, as is an aid on a perimeter the catalogue cannot place.
    """
    if not (mechanism.regions or mechanism.departements or mechanism.epcis):
        return TerritoryScope.UNKNOWN if mechanism.perimeter_unknown else TerritoryScope.NATIONAL
    keys = commune.epci_keys
    if (
        (commune.region and commune.region in mechanism.regions)
        or (commune.departement and commune.departement in mechanism.departements)
        or (keys and keys & {epci_key(e) for e in mechanism.epcis})
    ):
        return TerritoryScope.LOCAL
    if mechanism.epcis and not (mechanism.regions or mechanism.departements) and not keys:
        return TerritoryScope.UNKNOWN
    return TerritoryScope.ELSEWHERE


@dataclass(frozen=True, slots=True)
class ProjectProfile:
    """What is funded: themes, the phase the aid is sought for, its costs (exact decimals) and dates.

    ``application_date`` is when the commune intends to file; when absent, the engine uses ``today``.
    """

    themes: frozenset[str]
    stage: str
    investment_cost: Decimal = Decimal(0)
    operating_cost: Decimal = Decimal(0)
    application_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "themes", frozenset(self.themes))
        if self.stage not in STAGES:
            raise MatchingInputError(
                f"Étape de projet inconnue « {self.stage} » : étude, investissement ou fonctionnement attendu."
            )
        object.__setattr__(self, "investment_cost", _as_amount(self.investment_cost, "investissement"))
        object.__setattr__(self, "operating_cost", _as_amount(self.operating_cost, "fonctionnement"))
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise MatchingInputError("La date de fin du projet précède sa date de début.")

    @property
    def expense_base(self) -> Decimal:
        """The expenses the sought aid would apply to, for the project's current stage."""
        if self.stage == "investissement":
            return self.investment_cost
        if self.stage == "fonctionnement":
            return self.operating_cost
        return self.investment_cost + self.operating_cost


@dataclass(frozen=True, slots=True)
class _MatchContext:
    """What every result of one ``match()`` call shares (kept once, not per result)."""

    engine: MatchingEngine
    commune: CommuneProfile
    project: ProjectProfile
    today: date


class MatchResult:
    """Verdict for one mechanism; the French reasons are computed on first access."""

    __slots__ = ("_context", "_reasons", "matched", "mechanism")

    def __init__(self, context: _MatchContext, mechanism: Mechanism, matched: bool) -> None:
        self._context = context
        self.mechanism = mechanism
        self.matched = matched
        self._reasons: tuple[Reason, ...] | None = None

    @property
    def code(self) -> str:
        return self.mechanism.code

    @property
    def reasons(self) -> tuple[Reason, ...]:
        if self._reasons is None:
            context = self._context
            self._reasons = context.engine.explain(
                self.mechanism, context.commune, context.project, today=context.today
            )
        return self._reasons

    @property
    def indicative_max_amount(self) -> Decimal | None:
        return self._context.engine.indicative_max_amount(self.mechanism, self._context.project)

    def __repr__(self) -> str:
        return f"<MatchResult {self.code} {'oui' if self.matched else 'non'}>"


class MatchResults(Sequence[MatchResult]):
    """The verdicts of one ``match()`` call, one per mechanism in catalogue order (a read-only sequence)."""

    __slots__ = ("_context", "_flags", "_mechanisms", "mask")

    def __init__(self, context: _MatchContext, mechanisms: tuple[Mechanism, ...], mask: int) -> None:
        self._context = context
        self._mechanisms = mechanisms
        self.mask = mask
        self._flags = bin(mask)[:1:-1].ljust(len(mechanisms), "0")  # flags[i] is bit i of the mask

    def __len__(self) -> int:
        return len(self._mechanisms)

    @overload
    def __getitem__(self, index: int) -> MatchResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[MatchResult]: ...

    def __getitem__(self, index: int | slice) -> MatchResult | list[MatchResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = range(len(self))[index]
        return MatchResult(self._context, self._mechanisms[position], self._flags[position] == "1")

    def __iter__(self) -> Iterator[MatchResult]:
        context = self._context
        for mechanism, flag in zip(self._mechanisms, self._flags, strict=False):
            yield MatchResult(context, mechanism, flag == "1")

    def matched(self) -> list[MatchResult]:
        """Only the matching mechanisms, in catalogue order."""
        return [MatchResult(self._context, self._mechanisms[i], True) for i in _set_bits(self.mask)]


def _set_bits(mask: int) -> Iterator[int]:
    """The positions of the bits set in ``mask``, lowest first: the mechanisms a mask selects, in catalogue
    order."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _IntervalIndex:
    """Bitmask of the intervals covering a point, for integer points (populations, date ordinals).

    Built by one sweep over the interval bounds; a query is a binary search.
    """

    __slots__ = ("_masks", "_points")

    def __init__(self, intervals: Iterable[tuple[int | None, int | None, int]]) -> None:
        """``intervals``: (low inclusive or None, high exclusive or None, bit)."""
        events: dict[int, list[tuple[int, int]]] = defaultdict(list)
        counts: dict[int, int] = defaultdict(int)
        mask = 0
        for low, high, bit in intervals:
            if low is None:
                counts[bit] += 1
                mask |= bit
            else:
                events[low].append((1, bit))
            if high is not None:
                events[high].append((-1, bit))
        self._points = sorted(events)
        self._masks = [mask]
        for point in self._points:
            for delta, bit in events[point]:
                before = counts[bit]
                counts[bit] = before + delta
                if (before == 0) != (counts[bit] == 0):
                    mask ^= bit
            self._masks.append(mask)

    def query(self, point: int) -> int:
        return self._masks[bisect_right(self._points, point)]


@dataclass(slots=True)
class _ConditionalRule:
    low: int | None
    high: int | None  # inclusive
    bit: int
    conditions: tuple[str, ...]


@dataclass(slots=True)
class _Indexes:
    universe: int = 0
    population: dict[str, _IntervalIndex] = field(default_factory=dict)
    conditional: dict[str, list[_ConditionalRule]] = field(default_factory=dict)
    geo_free: int = 0
    region: dict[str, int] = field(default_factory=dict)
    departement: dict[str, int] = field(default_factory=dict)
    epci: dict[str, int] = field(default_factory=dict)
    # reserved to intercommunalities only: « à vérifier » (kept) for an applicant whose own is not known
    epci_only: int = 0
    zonage: dict[str, int] = field(default_factory=dict)
    # mechanisms grouped by the set of zonages they accept (any one suffices)
    zonage_sets: dict[frozenset[str], int] = field(default_factory=dict)
    condition: dict[str, int] = field(default_factory=dict)
    dates: _IntervalIndex | None = None
    all_themes: int = 0
    theme: dict[str, int] = field(default_factory=dict)
    stage: dict[str, int] = field(default_factory=dict)
    financial_only: int = 0


def _add(masks: dict[str, int], key: str, bit: int) -> None:
    masks[key] = masks.get(key, 0) | bit


class MatchingEngine:
    """Match a catalogue of mechanisms against commune profiles and projects.

    Build it once per catalogue (indexes are precomputed), then call :meth:`match` for each project.
    """

    def __init__(
        self, mechanisms: Iterable[Mechanism | Mapping[str, Any]], vocabulary: Vocabulary | None = None
    ):
        self.vocabulary = vocabulary or load_vocabulary()
        self.mechanisms: tuple[Mechanism, ...] = tuple(
            m if isinstance(m, Mechanism) else mechanism_from_dict(m, self.vocabulary) for m in mechanisms
        )
        self._by_code = {m.code: m for m in self.mechanisms}
        self._profile_cache: dict[CommuneProfile, int] = {}
        self._idx = self._build_indexes()

    # -- index construction -------------------------------------------------------------------------

    def _build_indexes(self) -> _Indexes:
        idx = _Indexes()
        population_intervals: dict[str, list[tuple[int | None, int | None, int]]] = defaultdict(list)
        date_intervals: list[tuple[int | None, int | None, int]] = []
        for position, mechanism in enumerate(self.mechanisms):
            bit = 1 << position
            idx.universe |= bit
            for rule in mechanism.eligibility:
                if rule.conditions:
                    idx.conditional.setdefault(rule.beneficiary, []).append(
                        _ConditionalRule(rule.population_min, rule.population_max, bit, rule.conditions)
                    )
                else:
                    high = None if rule.population_max is None else rule.population_max + 1
                    population_intervals[rule.beneficiary].append((rule.population_min, high, bit))
            if not mechanism.regions and not mechanism.departements:
                if mechanism.epcis:
                    idx.epci_only |= bit
                else:
                    idx.geo_free |= bit
            for region in mechanism.regions:
                _add(idx.region, region, bit)
            for departement in mechanism.departements:
                _add(idx.departement, departement, bit)
            for epci in mechanism.epcis:
                _add(idx.epci, epci_key(epci), bit)
            for zonage in mechanism.zonages:
                _add(idx.zonage, zonage, bit)
            if mechanism.zonages:
                accepted = frozenset(mechanism.zonages)
                idx.zonage_sets[accepted] = idx.zonage_sets.get(accepted, 0) | bit
            for condition in mechanism.conditions:
                _add(idx.condition, condition, bit)
            if mechanism.availability != "clos":
                low = mechanism.opens_on.toordinal() if mechanism.opens_on else None
                high = mechanism.closes_on.toordinal() + 1 if mechanism.closes_on else None
                date_intervals.append((low, high, bit))
            if mechanism.all_themes:
                idx.all_themes |= bit
            for theme in mechanism.themes:
                _add(idx.theme, theme, bit)
            for stage in mechanism.stages:
                _add(idx.stage, stage, bit)
            if mechanism.is_financial_only(self.vocabulary):
                idx.financial_only |= bit
        idx.population = {kind: _IntervalIndex(intervals) for kind, intervals in population_intervals.items()}
        idx.dates = _IntervalIndex(date_intervals)
        return idx

    # -- fast path ------------------------------------------------------------------------------------

    def _profile_mask(self, commune: CommuneProfile) -> int:
        cached = self._profile_cache.get(commune)
        if cached is not None:
            return cached
        idx = self._idx
        population_index = idx.population.get(commune.kind)
        eligible = population_index.query(commune.population) if population_index else 0
        for rule in idx.conditional.get(commune.kind, ()):
            if rule.low is not None and commune.population < rule.low:
                continue
            if rule.high is not None and commune.population > rule.high:
                continue
            if not commune.conditions_not_met.intersection(rule.conditions):
                eligible |= rule.bit
        geo = idx.geo_free | idx.region.get(commune.region, 0) | idx.departement.get(commune.departement, 0)
        keys = commune.epci_keys
        for key in keys:
            geo |= idx.epci.get(key, 0)
        if not keys:
            geo |= idx.epci_only
        # A zonage the profile does not state never blocks ("à vérifier"); a mechanism is out only when
        # every zonage it accepts is known to be absent and none is present.
        blocked = 0
        if commune.zonages_absent:
            for accepted, bits in idx.zonage_sets.items():
                if accepted <= commune.zonages_absent:
                    blocked |= bits
        for code in commune.zonages:
            blocked ^= blocked & idx.zonage.get(code, 0)
        for code in commune.conditions_not_met:
            blocked |= idx.condition.get(code, 0)
        mask = eligible & geo
        mask ^= mask & blocked
        if len(self._profile_cache) > 4096:  # bounded memo: profiles are few, but never grow without limit
            self._profile_cache.clear()
        self._profile_cache[commune] = mask
        return mask

    def _project_mask(self, project: ProjectProfile, today: date) -> int:
        idx = self._idx
        assert idx.dates is not None
        when = project.application_date or today
        mask = idx.dates.query(when.toordinal()) & idx.stage.get(project.stage, 0)
        themes = idx.all_themes
        for theme in project.themes:
            themes |= idx.theme.get(theme, 0)
        mask &= themes
        if project.expense_base <= 0:
            mask ^= mask & idx.financial_only
        return mask

    def open_to(self, commune: CommuneProfile) -> list[Mechanism]:
        """The mechanisms this applicant may seek, whatever the project: its kind and size, its territory, its
        zonages and conditions — the commune's half of :meth:`match` (a project's theme, phase and dates
        aside), in catalogue order."""
        return [self.mechanisms[i] for i in _set_bits(self._profile_mask(commune))]

    def matched_mask(self, commune: CommuneProfile, project: ProjectProfile, *, today: date) -> int:
        """Bit *i* set when ``self.mechanisms[i]`` matches."""
        return self._profile_mask(commune) & self._project_mask(project, today)

    def matched_codes(self, commune: CommuneProfile, project: ProjectProfile, *, today: date) -> list[str]:
        """Codes of the matching mechanisms, in catalogue order."""
        return [self.mechanisms[i].code for i in _set_bits(self.matched_mask(commune, project, today=today))]

    def match(self, commune: CommuneProfile, project: ProjectProfile, *, today: date) -> MatchResults:
        """One result per mechanism, in catalogue order.

        Every verdict is decided here (one bitmask); the result objects are built as they are read and
        their French ``reasons`` when first asked for, so a page listing the 20 matches of a project does
        not pay for 5,000 explanations.
        """
        mask = self.matched_mask(commune, project, today=today)
        return MatchResults(_MatchContext(self, commune, project, today), self.mechanisms, mask)

    # -- explain path ---------------------------------------------------------------------------------

    def get(self, code: str) -> Mechanism:
        return self._by_code[code]

    def explain(
        self, mechanism: Mechanism | str, commune: CommuneProfile, project: ProjectProfile, *, today: date
    ) -> tuple[Reason, ...]:
        """Why ``mechanism`` matches or not, criterion by criterion, in French."""
        mech = self._by_code[mechanism] if isinstance(mechanism, str) else mechanism
        vocab = self.vocabulary
        reasons: list[Reason] = []
        reasons.extend(self._beneficiary_reasons(mech, commune))
        reasons.extend(self._territory_reasons(mech, commune))
        reasons.extend(self._condition_reasons(mech, commune))
        reasons.append(self._calendar_reason(mech, project, today))
        reasons.append(self._theme_reason(mech, project))
        stage_label = vocab.stages[project.stage]
        if project.stage in mech.stages:
            reasons.append(
                Reason(Criterion.STAGE, Status.OK, f"Finance la phase « {stage_label} » du projet.")
            )
        else:
            covered = join_fr(f"« {vocab.stages[s]} »" for s in mech.stages)
            reasons.append(
                Reason(
                    Criterion.STAGE,
                    Status.KO,
                    f"Ne finance pas la phase « {stage_label} » du projet (phases financées : {covered}).",
                )
            )
        reasons.extend(self._expense_reasons(mech, project))
        reasons.extend(self._regime_reasons(mech, project, today))
        return tuple(reasons)

    def explain_match(
        self, mechanism: Mechanism | str, commune: CommuneProfile, project: ProjectProfile, *, today: date
    ) -> bool:
        """Verdict of the explain path: no reason is ``ko``."""
        return all(r.status is not Status.KO for r in self.explain(mechanism, commune, project, today=today))

    def _beneficiary_reasons(self, mech: Mechanism, commune: CommuneProfile) -> list[Reason]:
        vocab = self.vocabulary
        kind = vocab.beneficiaries[commune.kind]
        rules = [r for r in mech.eligibility if r.beneficiary == commune.kind]
        if not rules:
            audience = join_fr(vocab.beneficiaries[b].plural for b in mech.beneficiaries)
            return [
                Reason(
                    Criterion.BENEFICIARY,
                    Status.KO,
                    f"Ce dispositif s'adresse aux {audience} ; il n'est pas ouvert aux {kind.plural}.",
                )
            ]
        reasons = [Reason(Criterion.BENEFICIARY, Status.OK, f"Ouvert aux {kind.plural}.")]
        if all(r.population_min is None and r.population_max is None and not r.conditions for r in rules):
            return reasons
        reasons.append(self._population_reason(rules, commune))
        return reasons

    def _population_reason(self, rules: Sequence[EligibilityRule], commune: CommuneProfile) -> Reason:
        conditions = self.vocabulary.conditions
        population = f"Population de {format_int(commune.population)} habitants"
        plural = self.vocabulary.beneficiaries[commune.kind].plural
        covering = [r for r in rules if r.covers(commune.population)]
        pending: list[EligibilityRule] = []
        for rule in covering:
            if not rule.conditions or all(c in commune.conditions_met for c in rule.conditions):
                met = [conditions[c] for c in rule.conditions]
                suffix = f", condition remplie : {join_fr(met)}" if met else ""
                return Reason(
                    Criterion.POPULATION,
                    Status.OK,
                    f"{population} : dans les seuils fixés pour les {plural} ({_range_fr(rule)}){suffix}.",
                )
            if not commune.conditions_not_met.intersection(rule.conditions):
                pending.append(rule)
        if pending:
            rule = pending[0]
            unknown = [conditions[c] for c in rule.conditions if c not in commune.conditions_met]
            return Reason(
                Criterion.POPULATION,
                Status.TO_CHECK,
                f"{population} : éligible pour les {plural} ({_range_fr(rule)}) à condition de remplir "
                f"ce critère : {join_fr(unknown)} — à vérifier.",
            )
        if covering:
            failed = sorted(
                {conditions[c] for r in covering for c in r.conditions if c in commune.conditions_not_met}
            )
            return Reason(
                Criterion.POPULATION,
                Status.KO,
                f"{population} : la condition requise pour les {plural} n'est pas remplie ({join_fr(failed)}).",
            )
        bounds = join_fr(
            (_range_fr(r) + (" sous condition" if r.conditions else "") for r in rules), last="ou"
        )
        return Reason(
            Criterion.POPULATION,
            Status.KO,
            f"{population} : hors des seuils fixés pour les {plural} ({bounds}).",
        )

    def _territory_reasons(self, mech: Mechanism, commune: CommuneProfile) -> list[Reason]:
        vocab = self.vocabulary
        reasons = []
        scope = territory_scope(mech, commune)
        if mech.regions or mech.departements or mech.epcis:
            places = [f"à la région {vocab.region_name(r)}" for r in mech.regions]
            places += [f"au département {vocab.departement_name(d)}" for d in mech.departements]
            places += [f"à l'intercommunalité « {e} »" for e in mech.epcis]
            reserved = f"Réservé {join_fr(places, 'ou')}"
            if scope is TerritoryScope.LOCAL:
                reasons.append(Reason(Criterion.TERRITORY, Status.OK, f"{reserved} : la collectivité y est."))
            elif scope is TerritoryScope.UNKNOWN:
                reasons.append(
                    Reason(
                        Criterion.TERRITORY,
                        Status.TO_CHECK,
                        f"{reserved} : l'intercommunalité de la collectivité n'est pas renseignée — à vérifier.",
                    )
                )
            else:
                if commune.departement:
                    where = (
                        f"elle relève du département {vocab.departement_name(commune.departement)}, "
                        f"région {vocab.region_name(commune.region)}"
                    )
                    if mech.epcis and commune.epci:
                        where += f", intercommunalité « {commune.epci} »"
                else:
                    where = "son département n'est pas renseigné"
                reasons.append(Reason(Criterion.TERRITORY, Status.KO, f"{reserved} ; {where}."))
        elif scope is TerritoryScope.UNKNOWN:
            perimeter = f" ({mech.perimeter})" if mech.perimeter else ""
            if LOCAL_PERIMETER_CONDITION in commune.conditions_met:
                status, verdict = Status.OK, "la collectivité y est d'après son profil"
            elif LOCAL_PERIMETER_CONDITION in commune.conditions_not_met:
                status, verdict = Status.KO, "la collectivité n'y est pas d'après son profil"
            else:
                status, verdict = (
                    Status.TO_CHECK,
                    "le catalogue ne sait pas dire si la collectivité y est — à vérifier auprès du financeur",
                )
            reasons.append(
                Reason(Criterion.TERRITORY, status, f"Réservé à un territoire local{perimeter} : {verdict}.")
            )
        else:
            reasons.append(
                Reason(Criterion.TERRITORY, Status.OK, "Dispositif ouvert sur tout le territoire national.")
            )
        if mech.zonages:
            sentence = join_fr((vocab.zonages[z][1] for z in mech.zonages), "ou")
            present = [z for z in mech.zonages if z in commune.zonages]
            unknown = [
                z for z in mech.zonages if z not in commune.zonages_absent and z not in commune.zonages
            ]
            if present:
                labels = join_fr(vocab.zonages[z][0] for z in present)
                reasons.append(
                    Reason(
                        Criterion.ZONAGE,
                        Status.OK,
                        f"Réservé aux collectivités {sentence} : c'est le cas d'après le profil de la "
                        f"commune ({labels}).",
                    )
                )
            elif unknown:
                labels = join_fr((vocab.zonages[z][0] for z in unknown), "ou")
                reasons.append(
                    Reason(
                        Criterion.ZONAGE,
                        Status.TO_CHECK,
                        f"Réservé aux collectivités {sentence} : le profil de la commune ne dit pas si elle "
                        f"relève de {labels} — à vérifier (à renseigner dans le profil de la commune).",
                    )
                )
            else:
                reasons.append(
                    Reason(
                        Criterion.ZONAGE,
                        Status.KO,
                        f"Réservé aux collectivités {sentence} : ce n'est pas le cas d'après le profil de "
                        "la commune.",
                    )
                )
        return reasons

    def _condition_reasons(self, mech: Mechanism, commune: CommuneProfile) -> list[Reason]:
        reasons = []
        for code in mech.conditions:
            label = self.vocabulary.conditions[code]
            if code in commune.conditions_not_met:
                reasons.append(Reason(Criterion.CONDITIONS, Status.KO, f"Condition non remplie : {label}."))
            elif code in commune.conditions_met:
                reasons.append(Reason(Criterion.CONDITIONS, Status.OK, f"Condition remplie : {label}."))
            else:
                reasons.append(
                    Reason(Criterion.CONDITIONS, Status.TO_CHECK, f"Condition à vérifier : {label}.")
                )
        return reasons

    def _calendar_reason(self, mech: Mechanism, project: ProjectProfile, today: date) -> Reason:
        when = project.application_date or today
        when_text = (
            f"date de dépôt envisagée : {format_date(when)}"
            if project.application_date
            else f"aujourd'hui : {format_date(when)}"
        )
        note = f" {mech.period_note}" if mech.period_note else ""
        if mech.availability == "clos":
            return Reason(Criterion.CALENDAR, Status.KO, f"Dispositif clos, conservé comme référence.{note}")
        if mech.opens_on and when < mech.opens_on:
            return Reason(
                Criterion.CALENDAR, Status.KO, f"Ouvre le {format_date(mech.opens_on)} ({when_text}).{note}"
            )
        if mech.closes_on and when > mech.closes_on:
            return Reason(
                Criterion.CALENDAR,
                Status.KO,
                f"Clos depuis le {format_date(mech.closes_on)} ({when_text}).{note}",
            )
        if mech.closes_on:
            return Reason(
                Criterion.CALENDAR,
                Status.OK,
                f"Dépôt possible jusqu'au {format_date(mech.closes_on)} ({when_text}).{note}",
            )
        if mech.availability == "permanent":
            return Reason(Criterion.CALENDAR, Status.OK, f"Dispositif permanent.{note}")
        if mech.availability == "annuel":
            return Reason(
                Criterion.CALENDAR,
                Status.TO_CHECK,
                f"Enveloppe annuelle : vérifiez le calendrier de dépôt fixé localement.{note}",
            )
        if mech.availability == "programme":
            return Reason(Criterion.CALENDAR, Status.OK, f"Programme pluriannuel en cours.{note}")
        return Reason(
            Criterion.CALENDAR,
            Status.TO_CHECK,
            f"Calendrier non vérifié : à confirmer auprès du financeur.{note}",
        )

    def _theme_reason(self, mech: Mechanism, project: ProjectProfile) -> Reason:
        labels = self.vocabulary.themes
        if mech.all_themes:
            return Reason(Criterion.THEME, Status.OK, "Dispositif ouvert à toutes les thématiques.")
        common = [t for t in mech.themes if t in project.themes]
        if common:
            return Reason(
                Criterion.THEME,
                Status.OK,
                f"Thématique(s) en commun : {join_fr(f'« {labels[t]} »' for t in common)}.",
            )
        covered = join_fr(f"« {labels[t]} »" for t in mech.themes) or "aucune thématique reconnue"
        asked = join_fr(f"« {labels.get(t, t)} »" for t in sorted(project.themes)) or "aucune thématique"
        return Reason(
            Criterion.THEME,
            Status.KO,
            f"Le dispositif porte sur : {covered} ; le projet relève de : {asked}.",
        )

    def _expense_reasons(self, mech: Mechanism, project: ProjectProfile) -> list[Reason]:
        vocab = self.vocabulary
        base = project.expense_base
        nature = {"investissement": "d'investissement", "fonctionnement": "de fonctionnement"}.get(
            project.stage, "d'étude (investissement et fonctionnement)"
        )
        reasons = []
        if mech.is_financial_only(vocab):
            if base > 0:
                reasons.append(
                    Reason(
                        Criterion.EXPENSES,
                        Status.OK,
                        f"Aide financière : le projet prévoit {format_eur(base)} de dépenses {nature} pour cette phase.",
                    )
                )
            else:
                reasons.append(
                    Reason(
                        Criterion.EXPENSES,
                        Status.KO,
                        f"Aide financière : le projet ne prévoit aucune dépense {nature} pour cette phase.",
                    )
                )
        elif not any(t in vocab.financial_aid_types for t in mech.aid_types):
            reasons.append(
                Reason(
                    Criterion.EXPENSES,
                    Status.INFO,
                    "Aide en ingénierie : aucune assiette de dépense n'est requise.",
                )
            )
        else:
            reasons.append(
                Reason(
                    Criterion.EXPENSES,
                    Status.INFO,
                    "Aide mixte (ingénierie et financement) : l'accompagnement ne demande pas d'assiette de "
                    f"dépense, le financement porte sur les dépenses {nature} ({format_eur(base)} prévus "
                    "pour cette phase).",
                )
            )
        if (
            project.stage == "investissement"
            and project.operating_cost > 0
            and "fonctionnement" not in mech.stages
        ):
            reasons.append(
                Reason(
                    Criterion.EXPENSES,
                    Status.INFO,
                    f"Les dépenses de fonctionnement du projet ({format_eur(project.operating_cost)}) "
                    "ne sont pas couvertes par ce dispositif.",
                )
            )
        amount = self.indicative_max_amount(mech, project)
        if amount is not None:
            assert mech.rate_max_percent is not None
            ceiling = f", plafonnée à {format_eur(mech.amount_max)}" if mech.amount_max is not None else ""
            reasons.append(
                Reason(
                    Criterion.AMOUNT,
                    Status.INFO,
                    f"Taux maximal de {format_percent(mech.rate_max_percent)} : aide indicative d'au plus "
                    f"{format_eur(amount)}{ceiling}.",
                )
            )
        elif mech.amount_max is not None:
            unit = f" {mech.amount_unit}" if mech.amount_unit else ""
            reasons.append(
                Reason(
                    Criterion.AMOUNT, Status.INFO, f"Montant maximal : {format_eur(mech.amount_max)}{unit}."
                )
            )
        if mech.rate_comment:
            reasons.append(Reason(Criterion.AMOUNT, Status.INFO, mech.rate_comment))
        if mech.public_aid_cap_percent is not None:
            reasons.append(
                Reason(
                    Criterion.AMOUNT,
                    Status.INFO,
                    f"Cumul des aides publiques limité à {format_percent(mech.public_aid_cap_percent)} "
                    "des financements publics du projet : la commune apporte le reste "
                    f"(au moins {format_percent(100 - mech.public_aid_cap_percent)}, CGCT art. L1111-10).",
                )
            )
        return reasons

    def indicative_max_amount(self, mech: Mechanism, project: ProjectProfile) -> Decimal | None:
        """Highest aid the published rate allows on the project's expense base, within the ceiling."""
        if mech.rate_max_percent is None or project.expense_base <= 0:
            return None
        amount = (project.expense_base * mech.rate_max_percent / 100).quantize(CENT, rounding=ROUND_FLOOR)
        if mech.amount_max is not None:
            amount = min(amount, mech.amount_max)
        return amount

    def _regime_reasons(self, mech: Mechanism, project: ProjectProfile, today: date) -> list[Reason]:
        reasons = []
        if mech.decret_2018_514:
            when = project.application_date or today
            if project.start_date and project.start_date <= when:
                reasons.append(
                    Reason(
                        Criterion.REGIME,
                        Status.TO_CHECK,
                        f"Le démarrage prévu le {format_date(project.start_date)} ne suit pas le dépôt du "
                        f"{format_date(when)} : une subvention d'investissement de l'État exige en principe que "
                        "l'opération ne commence pas avant que le dossier soit complet.",
                    )
                )
            else:
                reasons.append(
                    Reason(
                        Criterion.REGIME,
                        Status.INFO,
                        "Subvention d'investissement de l'État : ne commencez pas l'opération avant que le "
                        "dossier soit déclaré complet.",
                    )
                )
            reasons.append(
                Reason(
                    Criterion.SOURCE,
                    Status.INFO,
                    "Règle de démarrage : décret n° 2018-514 du 25 juin 2018 relatif aux subventions de l'État "
                    "pour des projets d'investissement.",
                )
            )
        if mech.unverified:
            reasons.append(
                Reason(
                    Criterion.SOURCE,
                    Status.INFO,
                    f"Points non vérifiés dans la fiche : {' '.join(mech.unverified)}",
                )
            )
        if mech.verified_on is None:
            reasons.append(
                Reason(
                    Criterion.REGIME,
                    Status.INFO,
                    "Fiche non encore vérifiée sur la page officielle du financeur : confirmez avant de déposer.",
                )
            )
        else:
            reasons.append(
                Reason(
                    Criterion.SOURCE,
                    Status.INFO,
                    f"Fiche vérifiée le {format_date(mech.verified_on)} sur {mech.verified_against}.",
                )
            )
        return reasons


def _range_fr(rule: EligibilityRule) -> str:
    low, high = rule.population_min, rule.population_max
    if low is None and high is None:
        return "sans seuil de population"
    if low is None:
        assert high is not None
        if (high + 1) % 1000 == 0:
            return f"moins de {format_int(high + 1)} habitants"
        return f"jusqu'à {format_int(high)} habitants"
    if high is None:
        return f"à partir de {format_int(low)} habitants"
    return f"de {format_int(low)} à {format_int(high)} habitants"
