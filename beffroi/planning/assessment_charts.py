"""The radar of stored self-assessments (one, or two compared), with its table, for the pages and the report.

The scores are those an assessment keeps (``Assessment.scores``, from ``maturity.AssessmentResult.to_dict``);
the drawing is ``beffroi.core.charts.radar_chart``'s. Axes are named by the domain's letter on the drawing
(readable at a phone's width) and by its full name in the description and the table.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from beffroi.core.charts import Chart, RadarSeries, radar_chart
from beffroi.core.formatting import format_number
from beffroi.planning.maturity import Grid

MAXIMUM = 4


def _score(scores: dict[str, Any], domain: str) -> Decimal | None:
    value = (scores.get("domains") or {}).get(domain, {}).get("score")
    return None if value in (None, "") else Decimal(str(value))


def assessment_radar(
    grid: Grid,
    scores: dict[str, Any],
    *,
    chart_id: str,
    title: str,
    name: str,
    table_caption: str,
    compare: dict[str, Any] | None = None,
    compare_name: str = "",
    with_gap: bool = False,
) -> Chart:
    """The radar of ``scores`` (solid line) and, when given, of ``compare`` (dashed), with the table of both.

    ``with_gap`` adds the difference between the two (first minus second) as a last column of the table.
    """
    codes = [d.code for d in grid.domains]
    series = [RadarSeries(name, [_score(scores, code) for code in codes])]
    if compare is not None:
        series.append(RadarSeries(compare_name, [_score(compare, code) for code in codes]))
    overall = scores.get("overall")
    description = (
        gettext("Score global : %(score)s sur 4.") % {"score": format_number(Decimal(str(overall)))}
        if overall not in (None, "")
        else gettext("Aucun domaine évalué.")
    )
    chart = radar_chart(
        [f"{d.code}. {d.label}" for d in grid.domains],
        series,
        chart_id=chart_id,
        title=title,
        description=description,
        axis_labels=codes,
        maximum=MAXIMUM,
        table_caption=table_caption,
        row_heading=gettext("Domaine"),
        missing=gettext("non évalué"),
        out_of=gettext("sur"),
        note=gettext(
            "échelle de 0 (aucune action) à 4 (amélioration continue) ; un point vide marque un domaine non "
            "évalué. Les valeurs sont dans le tableau ci-dessous."
        ),
    )
    if compare is None or not with_gap:
        return chart
    gaps = []
    for first, second in zip(series[0].values, series[1].values, strict=True):
        gaps.append("—" if first is None or second is None else format_number(first - second, 2))
    return replace(chart, table=chart.table.with_column(gettext("Écart"), gaps))
