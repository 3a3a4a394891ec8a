"""A consultation's results as pages show them: per question, a chart (core.charts, with its table) and rows."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from beffroi.core.charts import Bar, bar_chart
from beffroi.participation import selectors
from beffroi.participation.models import Consultation, QuestionKind


def _percent(count: int, total: int) -> str:
    if not total:
        return "0"
    value = (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return str(value)


def result_blocks(consultation: Consultation, *, with_texts: bool) -> list[dict[str, Any]]:
    """One block per question: its label, kind, how many answered, its chart and its rows (label, figures)."""
    blocks = []
    for index, (question, result) in enumerate(
        selectors.consultation_results(consultation=consultation), start=1
    ):
        options = {o.pk: o for o in question.options.all()}
        block: dict[str, Any] = {
            "number": index,
            "question": question,
            "answered": result.answered,
            "kind": question.kind,
            "chart": None,
            "rows": [],
            "texts": result.texts if with_texts else [],
            "text_count": len(result.texts),
        }
        chart_id = f"question-{question.pk}"
        if question.kind == QuestionKind.RANKING:
            ranked = sorted(options.values(), key=lambda o: (-result.borda[o.pk], o.position))
            block["rows"] = [
                {"label": o.label, "points": result.borda[o.pk], "first": result.first[o.pk]} for o in ranked
            ]
            block["chart"] = bar_chart(
                [Bar(o.label, result.borda[o.pk]) for o in ranked],
                chart_id=chart_id,
                title=_("Points du classement (méthode de Borda)"),
                description=_("Une barre par réponse, de la mieux classée à la moins bien classée."),
                label_heading=_("Réponse"),
                value_heading=_("Points"),
                empty_text=_("Aucune réponse."),
            )
        elif question.kind == QuestionKind.SCALE:
            block["rows"] = [
                {
                    "label": str(mark),
                    "count": result.counts[mark],
                    "percent": _percent(result.counts[mark], result.answered),
                }
                for mark in (1, 2, 3, 4, 5)
            ]
            block["mean"] = (
                Decimal(result.mean.numerator) / Decimal(result.mean.denominator)
                if result.mean is not None
                else None
            )
            block["chart"] = bar_chart(
                [Bar(_("Note %(mark)d") % {"mark": mark}, result.counts[mark]) for mark in (1, 2, 3, 4, 5)],
                chart_id=chart_id,
                title=_("Nombre de réponses par note"),
                description=_("Une barre par note, de 1 à 5."),
                label_heading=_("Note"),
                value_heading=_("Réponses"),
                empty_text=_("Aucune réponse."),
            )
        elif question.has_options:
            ordered = sorted(options.values(), key=lambda o: (-result.counts[o.pk], o.position))
            block["rows"] = [
                {
                    "label": o.label,
                    "count": result.counts[o.pk],
                    "percent": _percent(result.counts[o.pk], result.answered),
                }
                for o in ordered
            ]
            block["chart"] = bar_chart(
                [Bar(o.label, result.counts[o.pk]) for o in ordered],
                chart_id=chart_id,
                title=_("Nombre de réponses par option"),
                description=_("Une barre par réponse proposée, de la plus choisie à la moins choisie."),
                label_heading=_("Réponse"),
                value_heading=_("Réponses"),
                empty_text=_("Aucune réponse."),
            )
        blocks.append(block)
    return blocks
