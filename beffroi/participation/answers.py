"""A questionnaire's answers: read from a plain HTML form (works without JavaScript) and checked against the
questions, the same check for the online form, paper entries, the services and the API.

Answers are a dict: question id (text) -> option id (single, illustrated), option ids (multiple; ranking, first
preferred first), a mark 1–5 (scale) or a text. A ranking is sent as one list per place (`q<id>_rang<n>`: the
option put at place n), so that a person without JavaScript ranks with plain drop-down lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beffroi.participation.models import Question, QuestionKind

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def rank_field_name(question: Question, place: int) -> str:
    return f"q{question.pk}_rang{place}"


def _int(raw: Any) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def parse_post(questions: Sequence[Question], data: Any) -> dict[str, Any]:
    """The answers as typed in the form (`data`: a QueryDict); not checked yet (see `answer_errors`)."""
    answers: dict[str, Any] = {}
    for q in questions:
        name = field_name(q)
        key = str(q.pk)
        if q.kind in (QuestionKind.SINGLE, QuestionKind.ILLUSTRATED, QuestionKind.SCALE):
            raw = data.get(name, "")
            if raw != "":
                answers[key] = _int(raw) if _int(raw) is not None else raw
        elif q.kind == QuestionKind.MULTIPLE:
            values = [_int(v) for v in data.getlist(name)]
            if values:
                answers[key] = [v if v is not None else -1 for v in values]
        elif q.kind == QuestionKind.RANKING:
            places = []
            for place in range(1, len(q.options.all()) + 1):
                raw = data.get(rank_field_name(q, place), "")
                places.append(_int(raw) if raw != "" else None)
            while places and places[-1] is None:
                places.pop()
            if places:
                answers[key] = places
        else:
            text = str(data.get(name, "")).strip()
            if text:
                answers[key] = text
    return answers


def answer_errors(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[int, str]:
    """What is wrong with `answers`, per question id (French); empty when every answer is acceptable."""
    errors: dict[int, str] = {}
    known = {str(q.pk) for q in questions}
    for key in answers:
        if key not in known:
            errors[0] = _("Les réponses portent sur une question qui n'est pas dans ce questionnaire.")
    for q in questions:
        value = answers.get(str(q.pk))
        message = _question_error(q, value)
        if message:
            errors[q.pk] = message
    return errors


def _question_error(q: Question, value: Any) -> str | None:
    if value in (None, "", []):
        return _("Répondez à cette question.") if q.required else None
    options = {o.pk: o.label for o in q.options.all()}
    if q.kind in (QuestionKind.SINGLE, QuestionKind.ILLUSTRATED):
        if not isinstance(value, int) or value not in options:
            return _("Choisissez une des réponses proposées.")
    elif q.kind == QuestionKind.MULTIPLE:
        if not isinstance(value, list) or any(not isinstance(v, int) or v not in options for v in value):
            return _("Cochez des réponses proposées.")
        if len(set(value)) != len(value):
            return _("Une même réponse est cochée deux fois.")
        if q.max_choices and len(value) > q.max_choices:
            return _("Cochez au plus %(max)d réponses ; vous en avez coché %(n)d.") % {
                "max": q.max_choices,
                "n": len(value),
            }
    elif q.kind == QuestionKind.RANKING:
        if not isinstance(value, list):
            return _("Classez les réponses proposées.")
        if None in value:
            gap = value.index(None) + 1
            return _(
                "La place n° %(place)d est vide alors que les suivantes sont remplies : classez sans trou."
            ) % {"place": gap}
        if any(not isinstance(v, int) or v not in options for v in value):
            return _("Classez des réponses proposées.")
        seen: set[int] = set()
        for v in value:
            if v in seen:
                return _(
                    "« %(option)s » est classé deux fois : chaque réponse ne peut occuper qu'une place."
                ) % {"option": options[v]}
            seen.add(v)
    elif q.kind == QuestionKind.SCALE:
        if not isinstance(value, int) or not 1 <= value <= 5:
            return _("Choisissez une note de 1 à 5.")
    else:
        if not isinstance(value, str):
            return _("Écrivez votre réponse.")
        limit = SHORT_TEXT_MAX if q.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if len(value) > limit:
            return _("%(limit)d caractères au plus ; votre réponse en compte %(n)d.") % {
                "limit": limit,
                "n": len(value),
            }
    return None


def normalised(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The checked answers as stored: unanswered questions left out, texts trimmed."""
    stored: dict[str, Any] = {}
    for q in questions:
        value = answers.get(str(q.pk))
        if value in (None, "", []):
            continue
        stored[str(q.pk)] = value.strip() if isinstance(value, str) else value
    return stored


def answer_label(q: Question, value: Any) -> str:
    """An answer as a person reads it (agents' reconciliation of paper entries)."""
    options = {o.pk: o.label for o in q.options.all()}
    if value in (None, "", []):
        return _("sans réponse")
    if q.kind in (QuestionKind.SINGLE, QuestionKind.ILLUSTRATED):
        return options.get(value, str(value))
    if q.kind == QuestionKind.MULTIPLE:
        return " ; ".join(options.get(v, str(v)) for v in value)
    if q.kind == QuestionKind.RANKING:
        return " ; ".join(f"{i}. {options.get(v, str(v))}" for i, v in enumerate(value, start=1))
    return str(value)


def split_errors(exc: ValidationError) -> tuple[dict[int, str], list[str]]:
    """A refusal of the services as a page shows it: the messages per question id, then the general ones."""
    if not hasattr(exc, "error_dict"):
        return {}, list(exc.messages)
    per_question = {int(k): " ".join(v) for k, v in exc.message_dict.items() if k.isdigit() and k != "0"}
    general = [" ".join(v) for k, v in exc.message_dict.items() if not k.isdigit() or k == "0"]
    return per_question, general


def form_rows(
    questions: Sequence[Question], submitted: Mapping[str, Any], errors: Mapping[int, str]
) -> list[dict[str, Any]]:
    """The questionnaire as the template `_questions.html` draws it: each question, its options, what was sent."""
    rows = []
    for q in questions:
        options = list(q.options.all())
        value = submitted.get(str(q.pk))
        row: dict[str, Any] = {
            "question": q,
            "name": field_name(q),
            "options": options,
            "value": value,
            "error": errors.get(q.pk, ""),
        }
        if q.kind == "classement":
            ranked = value if isinstance(value, list) else []
            row["places"] = [
                {
                    "place": place,
                    "name": rank_field_name(q, place),
                    "value": ranked[place - 1] if place <= len(ranked) else None,
                }
                for place in range(1, len(options) + 1)
            ]
        if q.kind == "choix_multiple":
            row["chosen"] = value if isinstance(value, list) else []
        rows.append(row)
    return rows
