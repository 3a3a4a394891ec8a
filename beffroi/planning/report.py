"""The report to the conseil municipal: one context for the printable HTML page and its PDF twin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from beffroi.core import dates
from beffroi.core.models import Commune
from beffroi.funding import selectors as funding_selectors
from beffroi.planning import maturity, selectors
from beffroi.planning.assessment_charts import assessment_radar


def build(*, commune: Commune, today: date) -> dict:
    """Diagnostic summary, chosen projects, timeline, costs, financing plans with the L1111-10 check, indicators."""
    # The assessment an élu chose for the council (else the latest validated one; never a draft).
    latest = selectors.assessment_for_report(commune=commune)
    earliest = selectors.assessment_earliest_validated(commune=commune, before=latest) if latest else None
    projects = list(selectors.roadmap_projects(commune=commune))
    entries = []
    totals = {"investment": Decimal(0), "operating": Decimal(0), "public": Decimal(0), "own": Decimal(0)}
    failing = []
    for project in projects:
        plan = project.financing_plan
        lines = funding_selectors.plan_lines(plan=plan) if plan else []
        check = funding_selectors.plan_check(plan=plan, lines=lines) if plan else None
        balance = funding_selectors.plan_balance(plan=plan, lines=lines) if plan else None
        plan_totals = funding_selectors.plan_totals(lines=lines)
        totals["investment"] += project.investment_budget
        totals["operating"] += project.operating_budget
        totals["public"] += plan_totals["public"]
        totals["own"] += plan_totals["own"]
        if check is not None and not check.ok:
            failing.append(project)
        entries.append(
            {
                "project": project,
                "plan": plan,
                "lines": lines,
                "totals": plan_totals,
                "check": check,
                "balance": balance,
                "indicators": list(project.indicators.all()),
                "phases": list(project.phases.all()),
            }
        )
    chart = None
    grid = maturity.load_grid()
    if latest:
        chart = assessment_radar(
            grid,
            latest.scores,
            chart_id="radar-rapport",
            title=gettext("Maturité par domaine (0 à 4) au %(date)s")
            % {"date": dates.long_date(latest.assessed_on)},
            name=_diagnostic_name(latest.assessed_on),
            table_caption=gettext("Maturité par domaine (0 à 4)"),
            compare=earliest.scores if earliest else None,
            compare_name=_diagnostic_name(earliest.assessed_on) if earliest else "",
        )
    return {
        "today": today,
        "latest": latest,
        "earliest": earliest,
        "chart": chart,
        "domains": grid.domains,  # the legend of the radar's letters
        "entries": entries,
        "quarters": selectors.timeline(projects=projects),
        "totals": totals,
        "failing": failing,
    }


def _diagnostic_name(day: date) -> str:
    return gettext("Diagnostic du %(date)s") % {"date": dates.long_date(day)}
