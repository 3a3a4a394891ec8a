"""A category's extra questions, as Open311 GeoReport v2 service-definition attributes (no Django here).

A question is {"code", "label", "type", "required", "help", "choices": [{"key", "name"}]}; `type` is one of the
Open311 datatypes (string, number, datetime, text, singlevaluelist, multivaluelist).
"""

from datetime import datetime

from beffroi.core.text import code_from_label

TYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class AnswerError(ValueError):
    def __init__(self, code: str, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason  # "required" | "choice" | "number" | "datetime"


def clean_answers(questions: list[dict], raw: dict[str, list[str]]) -> dict:
    """Validate submitted values ({code: [values]}) against the questions; return {code: value or [values]}.

    Unknown codes are ignored (clients may send attributes of another service); empty values count as absent
    (GeoReport v2: "an empty parameter must behave like an absent one"). Raises AnswerError on the first
    problem.
    """
    answers: dict = {}
    for question in questions:
        code = question["code"]
        values = [v.strip() for v in raw.get(code, []) if v is not None and str(v).strip()]
        kind = question.get("type", "string")
        if not values:
            if question.get("required"):
                raise AnswerError(code, "required")
            continue
        keys = {str(c["key"]) for c in question.get("choices", [])}
        if kind == "multivaluelist":
            if any(v not in keys for v in values):
                raise AnswerError(code, "choice")
            answers[code] = values
            continue
        value = values[0]
        if kind == "singlevaluelist" and value not in keys:
            raise AnswerError(code, "choice")
        if kind == "number":
            try:
                float(value.replace(",", "."))
            except ValueError:
                raise AnswerError(code, "number") from None
        if kind == "datetime":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise AnswerError(code, "datetime") from None
        answers[code] = value[:1000]
    return answers


def answer_label(question: dict, value: str | list[str]) -> str:
    """The human reading of an answer (choice names instead of keys)."""
    names: dict[str, str] = {str(c["key"]): c.get("name", c["key"]) for c in question.get("choices", [])}
    if isinstance(value, list):
        return ", ".join(names.get(v, v) for v in value)
    return names.get(value, value)


def questions_answered(questions: list[dict], answers: dict) -> list[dict]:
    """The questions that got an answer, as asked (code, label, type, choices): kept with the report so that
    its answers stay readable — under the label the resident saw — after the category's questions change."""
    return [
        {key: question[key] for key in ("code", "label", "type", "choices") if key in question}
        for question in questions
        if question["code"] in answers
    ]


def answers_readable(answers: dict, asked: list[dict], current: list[dict]) -> list[tuple[str, str]]:
    """Every answer of a report as (question label, answer), in the order given. The question is read from
    the report's own copy (`asked`), then from the category's current questions (reports filed before copies
    were kept), and at worst shown under its code: an accepted answer is never hidden."""
    known = {q["code"]: q for q in current}
    known.update({q["code"]: q for q in asked})
    readable = []
    for code, value in answers.items():
        question = known.get(code, {"code": code, "label": code})
        readable.append((question.get("label") or code, answer_label(question, value)))
    return readable


def choices_from_names(names: list[str], previous: list[dict]) -> list[dict]:
    """The choices of a list question from the names typed, in their order. A name already offered keeps its key;
    a new name gets a key made from it that no previous choice of the question used (a client still holding the
    old list never sends a key that now means something else)."""
    keys_by_name = {str(c.get("name", c["key"])): str(c["key"]) for c in previous}
    reserved = set(keys_by_name.values())
    used: set[str] = set()
    choices = []
    for name in names:
        key = keys_by_name.get(name)
        if key is None or key in used:
            key = code_from_label(name, reserved | used, fallback="choix")
        used.add(key)
        choices.append({"key": key, "name": name})
    return choices
