"""Maturity self-assessment: the grid, scoring, signals and follow-up questions (pure, no Django).

The grid is versioned data (``data/maturity_grid.json``): eight domains (research note §4.2), questions on
the CORA progression scale (0 = aucune action … 4 = amélioration continue), measurable indicators, and rules
on answers that emit *signals* (recommending use cases of ``data/use_cases.json``) and *unlock* follow-up
questions (the Recoco survey pattern: signals and preconditions).

Scoring (stated in the grid): a domain's score is the mean level of its answered, visible questions; when
at least one scored indicator is given, it is averaged half and half with the mean of the indicators brought
back to 0–4 (percent ÷ 25, yes → 4 / no → 0, level as is). The overall score is the mean of the assessed
domains. Arithmetic is exact (``Fraction``); scores are shown rounded to the hundredth.

This is the only reader of the grid: the form of the self-assessment, the demo and the council report use
the ``Grid`` it builds; the radar of the scores is drawn by ``beffroi.core.charts`` (``assessment_charts``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from beffroi.planning.use_case_catalogue import UseCase, use_cases_by_code

DATA_DIR = Path(__file__).resolve().parent / "data"
LEVELS = range(0, 5)
HUNDREDTH = Decimal("0.01")


class AssessmentError(ValueError):
    """An answer or an indicator value cannot be scored (French message, shown to the user)."""


@dataclass(frozen=True, slots=True)
class Rule:
    level_min: int | None
    level_max: int | None
    signal: str | None
    message: str | None
    recommends: tuple[str, ...]
    unlocks: tuple[str, ...]

    def applies(self, level: int) -> bool:
        if self.level_min is not None and level < self.level_min:
            return False
        return self.level_max is None or level <= self.level_max


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    domain: str
    text: str
    help: str | None
    follow_up: bool
    levels: tuple[str, ...]  # label of level 0 … 4
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    domain: str | None  # None for context indicators (population)
    label: str
    definition: str
    unit: str
    source: str
    framework: str
    platform_source: str | None
    scoring: str | None  # "percent", "yes_no", "level" or None (informative only)
    unverified: bool


@dataclass(frozen=True, slots=True)
class Domain:
    code: str
    slug: str
    label: str
    description: str
    questions: tuple[Question, ...]
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class Grid:
    version: str
    title: str
    scale: tuple[str, ...]  # generic label of level 0 … 4
    domains: tuple[Domain, ...]
    context_indicators: tuple[Indicator, ...]
    question_weight: Fraction
    indicator_weight: Fraction
    platform_sources: tuple[tuple[str, str], ...] = ()  # (key, label) of what the platform already knows

    @property
    def questions(self) -> dict[str, Question]:
        return {q.code: q for d in self.domains for q in d.questions}

    @property
    def unlocked_by(self) -> dict[str, str]:
        """Each follow-up question's code → the code of the (first) question whose answer unlocks it."""
        found: dict[str, str] = {}
        for question in self.questions.values():
            for rule in question.rules:
                for target in rule.unlocks:
                    found.setdefault(target, question.code)
        return found

    @property
    def indicators(self) -> dict[str, Indicator]:
        found = {i.code: i for d in self.domains for i in d.indicators}
        found.update({i.code: i for i in self.context_indicators})
        return found


def _indicator(raw: Mapping[str, Any], domain: str | None) -> Indicator:
    scoring = raw.get("scoring")
    return Indicator(
        code=raw["code"],
        domain=domain,
        label=raw["label"],
        definition=raw["definition"],
        unit=raw["unit"],
        source=raw["source"],
        framework=raw.get("framework") or "",
        platform_source=raw.get("platform_source"),
        scoring=scoring["method"] if scoring else None,
        unverified=bool(raw.get("unverified")),
    )


def grid_from_dict(data: Mapping[str, Any]) -> Grid:
    """Build and check a grid: unique codes, five levels per question, every unlock reaching a follow-up."""
    domains = []
    for raw_domain in data["domains"]:
        questions = []
        for raw in raw_domain["questions"]:
            levels = tuple(level["label"] for level in sorted(raw["levels"], key=lambda lv: lv["level"]))
            if [lv["level"] for lv in raw["levels"]] != list(LEVELS):
                raise AssessmentError(f"Question {raw['code']} : les niveaux doivent aller de 0 à 4.")
            rules = tuple(
                Rule(
                    level_min=r["when"].get("level_min"),
                    level_max=r["when"].get("level_max"),
                    signal=r.get("signal"),
                    message=r.get("message"),
                    recommends=tuple(r.get("recommends", ())),
                    unlocks=tuple(r.get("unlocks", ())),
                )
                for r in raw.get("rules", ())
            )
            questions.append(
                Question(
                    raw["code"],
                    raw_domain["code"],
                    raw["text"],
                    raw.get("help"),
                    bool(raw.get("follow_up")),
                    levels,
                    rules,
                )
            )
        domains.append(
            Domain(
                code=raw_domain["code"],
                slug=raw_domain["slug"],
                label=raw_domain["label"],
                description=raw_domain.get("description", ""),
                questions=tuple(questions),
                indicators=tuple(_indicator(i, raw_domain["code"]) for i in raw_domain["indicators"]),
            )
        )
    scoring = data.get("scoring", {})
    grid = Grid(
        version=data["version"],
        title=data.get("title", ""),
        scale=tuple(level["label"] for level in data["scale"]["levels"]),
        domains=tuple(domains),
        context_indicators=tuple(_indicator(i, None) for i in data.get("context_indicators", ())),
        question_weight=Fraction(str(scoring.get("question_weight", "0.5"))),
        indicator_weight=Fraction(str(scoring.get("indicator_weight", "0.5"))),
        platform_sources=tuple(
            (source["key"], source.get("label", source["key"])) for source in data.get("platform_sources", ())
        ),
    )
    codes = [q.code for d in grid.domains for q in d.questions]
    if len(codes) != len(set(codes)):
        raise AssessmentError("La grille contient des codes de question en double.")
    by_code = grid.questions
    unlocked = set()
    for question in by_code.values():
        for rule in question.rules:
            for target in rule.unlocks:
                if target not in by_code or not by_code[target].follow_up:
                    raise AssessmentError(
                        f"Question {question.code} : « {target} » n'est pas une question de suivi."
                    )
                unlocked.add(target)
    orphans = {q.code for q in by_code.values() if q.follow_up} - unlocked
    if orphans:
        raise AssessmentError(f"Questions de suivi jamais débloquées : {', '.join(sorted(orphans))}.")
    return grid


@cache
def load_grid() -> Grid:
    with (DATA_DIR / "maturity_grid.json").open(encoding="utf-8") as handle:
        return grid_from_dict(json.load(handle))


# -- scoring --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    message: str | None
    question: str
    level: int
    recommends: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    use_case: str
    name: str
    beffroi_module: str | None
    relevant_for_population: bool | None
    because: tuple[str, ...]  # French sentences: which answer triggered it
    signals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DomainScore:
    code: str
    label: str
    score: Decimal | None
    question_score: Decimal | None
    indicator_score: Decimal | None
    answered: int
    expected: int
    scored_indicators: int


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    grid_version: str
    domains: tuple[DomainScore, ...]
    overall: Decimal | None
    signals: tuple[Signal, ...]
    recommendations: tuple[Recommendation, ...]
    visible_questions: tuple[str, ...]
    unlocked_questions: tuple[str, ...]
    unanswered_questions: tuple[str, ...]
    ignored_answers: tuple[str, ...]  # answers to follow-ups that are locked by the current answers
    notes: tuple[str, ...] = field(default=())

    def domain(self, code: str) -> DomainScore:
        return next(d for d in self.domains if d.code == code)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (decimals as strings) to keep with the assessment."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "grid_version": self.grid_version,
            "overall": text(self.overall),
            "domains": {
                d.code: {
                    "label": d.label,
                    "score": text(d.score),
                    "question_score": text(d.question_score),
                    "indicator_score": text(d.indicator_score),
                    "answered": d.answered,
                    "expected": d.expected,
                    "scored_indicators": d.scored_indicators,
                }
                for d in self.domains
            },
            "signals": [
                {
                    "code": s.code,
                    "message": s.message,
                    "question": s.question,
                    "level": s.level,
                    "recommends": list(s.recommends),
                }
                for s in self.signals
            ],
            "recommendations": [
                {
                    "use_case": r.use_case,
                    "name": r.name,
                    "beffroi_module": r.beffroi_module,
                    "relevant_for_population": r.relevant_for_population,
                    "because": list(r.because),
                    "signals": list(r.signals),
                }
                for r in self.recommendations
            ],
            "visible_questions": list(self.visible_questions),
            "unlocked_questions": list(self.unlocked_questions),
            "unanswered_questions": list(self.unanswered_questions),
            "ignored_answers": list(self.ignored_answers),
        }


def _level(value: Any, code: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise AssessmentError(
            f"Question {code} : réponse invalide ({value!r}) ; un niveau de 0 à 4 est attendu."
        )
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or value not in LEVELS:
        raise AssessmentError(
            f"Question {code} : réponse invalide ({value!r}) ; un niveau de 0 à 4 est attendu."
        )
    return value


def _number(value: Any, indicator: Indicator) -> Fraction:
    if isinstance(value, bool | float):
        raise AssessmentError(
            f"Indicateur « {indicator.label} » : un nombre décimal exact est attendu, pas {value!r}."
        )
    try:
        number = Decimal(str(value).replace(",", ".").strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise AssessmentError(
            f"Indicateur « {indicator.label} » : « {value} » n'est pas un nombre."
        ) from None
    if not number.is_finite():
        raise AssessmentError(f"Indicateur « {indicator.label} » : « {value} » n'est pas un nombre.")
    if number < 0:
        raise AssessmentError(f"Indicateur « {indicator.label} » : la valeur ne peut pas être négative.")
    return Fraction(number)


def indicator_score(indicator: Indicator, value: Any) -> Fraction | None:
    """The value brought back to the 0–4 scale, or None for informative indicators; validates the value."""
    if value is None or value == "":
        return None
    if indicator.scoring == "yes_no":
        if not isinstance(value, bool):
            raise AssessmentError(f"Indicateur « {indicator.label} » : oui ou non attendu.")
        return Fraction(4 if value else 0)
    number = _number(value, indicator)
    if indicator.scoring == "percent":
        if number > 100:
            raise AssessmentError(
                f"Indicateur « {indicator.label} » : un pourcentage entre 0 et 100 est attendu."
            )
        return number / 25
    if indicator.scoring == "level":
        if number.denominator != 1 or number not in LEVELS:
            raise AssessmentError(f"Indicateur « {indicator.label} » : un niveau de 0 à 4 est attendu.")
        return number
    return None


def _display(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def visible_questions(grid: Grid, answers: Mapping[str, Any]) -> list[str]:
    """Main questions plus the follow-ups unlocked by the answers given (follow-ups may unlock others)."""
    questions = grid.questions
    visible = [q.code for q in questions.values() if not q.follow_up]
    unlocked: set[str] = set()
    frontier = list(visible)
    while frontier:
        code = frontier.pop()
        level = _level(answers.get(code), code)
        if level is None:
            continue
        for rule in questions[code].rules:
            if rule.applies(level):
                for target in rule.unlocks:
                    if target not in unlocked:
                        unlocked.add(target)
                        frontier.append(target)
    order = list(questions)  # grid order
    return sorted(set(visible) | unlocked, key=order.index)


def score_assessment(
    grid: Grid,
    answers: Mapping[str, Any],
    indicator_values: Mapping[str, Any] | None = None,
    *,
    population: int | None = None,
    use_cases: Mapping[str, UseCase] | None = None,
) -> AssessmentResult:
    """Score one assessment: per-domain and overall scores, signals, recommended use cases, follow-ups."""
    questions = grid.questions
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise AssessmentError(
            f"Question(s) inconnue(s) dans la grille {grid.version} : {', '.join(unknown)}."
        )
    indicators = grid.indicators
    values = dict(indicator_values or {})
    unknown = sorted(set(values) - set(indicators))
    if unknown:
        raise AssessmentError(
            f"Indicateur(s) inconnu(s) dans la grille {grid.version} : {', '.join(unknown)}."
        )
    levels = {code: _level(value, code) for code, value in answers.items()}
    visible = visible_questions(grid, answers)
    visible_set = set(visible)
    use_cases = use_cases if use_cases is not None else use_cases_by_code()

    domain_scores = []
    exact_scores: dict[str, Fraction] = {}
    for domain in grid.domains:
        shown = [q for q in domain.questions if q.code in visible_set]
        given = [levels[q.code] for q in shown if levels.get(q.code) is not None]
        question_score = Fraction(sum(given), len(given)) if given else None  # type: ignore[arg-type]
        normalised = [
            s for i in domain.indicators if (s := indicator_score(i, values.get(i.code))) is not None
        ]
        indicator_mean = Fraction(sum(normalised), len(normalised)) if normalised else None
        score: Fraction | None
        if question_score is not None and indicator_mean is not None:
            total = grid.question_weight + grid.indicator_weight
            score = (grid.question_weight * question_score + grid.indicator_weight * indicator_mean) / total
        else:
            score = question_score if question_score is not None else indicator_mean
        if score is not None:
            exact_scores[domain.code] = score
        domain_scores.append(
            DomainScore(
                code=domain.code,
                label=domain.label,
                score=_display(score),
                question_score=_display(question_score),
                indicator_score=_display(indicator_mean),
                answered=len(given),
                expected=len(shown),
                scored_indicators=len(normalised),
            )
        )
    for context in grid.context_indicators:  # validate context values too (informative)
        indicator_score(context, values.get(context.code))
    overall = Fraction(sum(exact_scores.values()), len(exact_scores)) if exact_scores else None

    signals: list[Signal] = []
    for code in visible:
        level = levels.get(code)
        if level is None:
            continue
        for rule in questions[code].rules:
            if rule.signal and rule.applies(level):
                signals.append(Signal(rule.signal, rule.message, code, level, rule.recommends))

    # Weakest domains first, then the order of the signals.
    rank = {d.code: exact_scores.get(d.code, Fraction(5)) for d in grid.domains}
    ordered = sorted(enumerate(signals), key=lambda pair: (rank[questions[pair[1].question].domain], pair[0]))
    grouped: dict[str, list[Signal]] = {}
    for _, signal in ordered:
        for recommended in signal.recommends:
            grouped.setdefault(recommended, []).append(signal)
    recommendations = []
    for code, triggering in grouped.items():
        use_case = use_cases.get(code)
        if use_case is None:
            raise AssessmentError(f"Cas d'usage inconnu recommandé par la grille : {code}.")
        because = tuple(
            f"Question {s.question} « {questions[s.question].text} » : niveau {s.level} — "
            f"{questions[s.question].levels[s.level]}."
            for s in triggering
        )
        recommendations.append(
            Recommendation(
                use_case=code,
                name=use_case.name,
                beffroi_module=use_case.beffroi_module,
                relevant_for_population=use_case.is_relevant_for(population),
                because=because,
                signals=tuple(dict.fromkeys(s.code for s in triggering)),
            )
        )
    recommendations.sort(key=lambda r: r.relevant_for_population is False)  # stable: keeps the order above

    follow_ups = tuple(code for code in visible if questions[code].follow_up)
    notes = []
    if population is not None:
        set_aside = [r.name for r in recommendations if r.relevant_for_population is False]
        if set_aside:
            notes.append(f"Peu adaptés à une commune de cette taille : {', '.join(set_aside)}.")
    return AssessmentResult(
        grid_version=grid.version,
        domains=tuple(domain_scores),
        overall=_display(overall),
        signals=tuple(signals),
        recommendations=tuple(recommendations),
        visible_questions=tuple(visible),
        unlocked_questions=follow_ups,
        unanswered_questions=tuple(code for code in visible if levels.get(code) is None),
        ignored_answers=tuple(
            code for code, level in levels.items() if level is not None and code not in visible_set
        ),
        notes=tuple(notes),
    )


def score_stored_answers(
    grid: Grid, stored: Mapping[str, Any], *, population: int | None = None
) -> AssessmentResult:
    """Score answers as an assessment keeps them: ``{"questions": {code: level}, "indicators": {code: text}}``.

    Indicator texts are those of the form: ``oui`` / ``non`` for a yes/no indicator, a number otherwise.
    """
    indicators = grid.indicators
    values: dict[str, Any] = {}
    for code, raw in (stored.get("indicators") or {}).items():
        if raw in (None, ""):
            continue
        indicator = indicators.get(code)
        if indicator is not None and indicator.scoring == "yes_no":
            if raw not in ("oui", "non"):
                raise AssessmentError(f"Indicateur « {indicator.label} » : oui ou non attendu.")
            values[code] = raw == "oui"
        else:
            values[code] = str(raw)  # an unknown code is refused by score_assessment
    return score_assessment(grid, stored.get("questions") or {}, values, population=population)


def prefill_indicators(grid: Grid, platform_values: Mapping[str, Any]) -> dict[str, Any]:
    """Indicator values the platform already knows, keyed by indicator code (``platform_source`` keys)."""
    prefilled = {}
    for indicator in grid.indicators.values():
        key = indicator.platform_source
        if key and platform_values.get(key) is not None:
            prefilled[indicator.code] = platform_values[key]
    return prefilled


@dataclass(frozen=True, slots=True)
class DomainProgress:
    code: str
    label: str
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None


def compare_assessments(before: AssessmentResult, after: AssessmentResult) -> tuple[DomainProgress, ...]:
    """Per-domain change between two assessments (two dates, or an élu's and an agent's answers)."""
    if before.grid_version != after.grid_version:
        raise AssessmentError(
            f"Comparaison impossible : grilles {before.grid_version} et {after.grid_version} différentes."
        )
    return tuple(
        DomainProgress(
            code=a.code,
            label=a.label,
            before=b.score,
            after=a.score,
            change=None if a.score is None or b.score is None else a.score - b.score,
        )
        for b, a in zip(before.domains, after.domains, strict=True)
    )


__all__ = [
    "AssessmentError",
    "AssessmentResult",
    "DomainProgress",
    "DomainScore",
    "Grid",
    "Recommendation",
    "Signal",
    "compare_assessments",
    "grid_from_dict",
    "indicator_score",
    "load_grid",
    "prefill_indicators",
    "score_assessment",
    "score_stored_answers",
    "visible_questions",
]
