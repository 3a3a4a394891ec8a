"""The results of a consultation, counted from its anonymous answer sheets. Pure: no Django.

Each sheet maps a question's id (text) to its answer (see `models.AnswerSheet`). Per question:

- single choice, illustrated choice: how many chose each option;
- multiple choice: how many ticked each option (a person may tick several: the shares add up past 100 %);
- ranking: a Borda count — with n options, a first place is worth n points, a second n − 1, …, an option left
  unranked 0 (Jean-Charles de Borda, 1781, the scoring most used to sum rankings) — beside how many put each
  option first;
- scale 1 to 5: how many gave each mark, and the mean;
- short or long text: the texts, in a fixed order (sorted), never their author.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

CHOICE = ("choix_unique", "illustre")
MULTIPLE = "choix_multiple"
RANKING = "classement"
SCALE = "echelle"
TEXT = ("texte_court", "texte_long")
SCALE_MARKS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    kind: str
    options: tuple[int, ...] = ()


@dataclass
class QuestionResult:
    id: int
    kind: str
    answered: int = 0  # how many sheets answered this question
    counts: dict[int, int] = field(default_factory=dict)  # option id (or mark 1–5) -> count
    borda: dict[int, int] = field(default_factory=dict)  # ranking: option id -> points
    first: dict[int, int] = field(default_factory=dict)  # ranking: option id -> times ranked first
    mean: Fraction | None = None  # scale
    texts: list[str] = field(default_factory=list)


def _ids(value: Any) -> list[int]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return []


def tally(questions: Sequence[QuestionSpec], sheets: Iterable[Mapping[str, Any]]) -> list[QuestionResult]:
    """Count every sheet's answers to each question (a sheet that skipped a question does not count in it)."""
    results = [
        QuestionResult(
            id=q.id,
            kind=q.kind,
            counts=dict.fromkeys(SCALE_MARKS, 0) if q.kind == SCALE else dict.fromkeys(q.options, 0),
            borda=dict.fromkeys(q.options, 0) if q.kind == RANKING else {},
            first=dict.fromkeys(q.options, 0) if q.kind == RANKING else {},
        )
        for q in questions
    ]
    marks_total = [0] * len(questions)
    for sheet in sheets:
        for index, q in enumerate(questions):
            value = sheet.get(str(q.id))
            if value in (None, "", []):
                continue
            result = results[index]
            if q.kind in CHOICE:
                if isinstance(value, int) and value in result.counts:
                    result.counts[value] += 1
                    result.answered += 1
            elif q.kind == MULTIPLE:
                chosen = [v for v in _ids(value) if v in result.counts]
                if chosen:
                    result.answered += 1
                    for option in set(chosen):
                        result.counts[option] += 1
            elif q.kind == RANKING:
                ranked = [v for v in _ids(value) if v in result.borda]
                if ranked:
                    result.answered += 1
                    n = len(q.options)
                    for place, option in enumerate(ranked):
                        result.borda[option] += n - place
                    result.first[ranked[0]] += 1
            elif q.kind == SCALE:
                if isinstance(value, int) and value in SCALE_MARKS:
                    result.counts[value] += 1
                    result.answered += 1
                    marks_total[index] += value
            elif q.kind in TEXT and isinstance(value, str) and value.strip():
                result.answered += 1
                result.texts.append(value.strip())
    for index, result in enumerate(results):
        if result.kind == SCALE and result.answered:
            result.mean = Fraction(marks_total[index], result.answered)
        result.texts.sort()
    return results
