"""The report to the conseil municipal: one context for the printable HTML page and its PDF twin."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext

from beffroi.core.models import Commune
from beffroi.funding import selectors as funding_selectors
from beffroi.planning import maturity, selectors
from beffroi.planning.assessment_charts import assessment_radar
from beffroi.planning.models import Project


def build(*, commune: Commune, today: date) -> dict:
    """Diagnostic summary, chosen projects, timeline, costs, financing plans with the L1111-10 check, indicators."""
    # The assessment an élu chose for the council (else the latest validated one; never a draft).
    latest = selectors.assessment_for_report(commune=commune)
    earliest = selectors.assessment_earliest_validated(commune=commune, before=latest) if latest else None
    projects = [p for p in selectors.project_list(commune=commune) if p.status != Project.Status.ABANDONED]
    entries = []
    totals = {"investment": Decimal(0), "operating": Decimal(0), "public": Decimal(0), "own": Decimal(0)}
    failing = []
    for project in projects:
        plan = project.financing_plan
        lines = funding_selectors.plan_lines(plan=plan) if plan else []
        check = funding_selectors.plan_check(plan=plan, lines=lines) if plan else None
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
                "indicators": list(project.indicators.all()),
                "phases": list(project.phases.all()),
            }
        )
    chart = None
    if latest:
        chart = assessment_radar(
            maturity.load_grid(),
            latest.scores,
            chart_id="radar-rapport",
            title=gettext("Maturité par domaine (0 à 4) au %(date)s")
            % {"date": f"{latest.assessed_on:%d/%m/%Y}"},
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
        "entries": entries,
        "quarters": selectors.timeline(projects=projects),
        "totals": totals,
        "failing": failing,
    }


def _diagnostic_name(day: date) -> str:
    return gettext("Diagnostic du %(date)s") % {"date": f"{day:%d/%m/%Y}"}


def html_to_pdf(html: str, *, base_url: str) -> bytes | None:
    """The PDF of the same HTML (WeasyPrint, print stylesheet); None when WeasyPrint is not installed."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # OSError: Pango missing on the system
        return None
    return HTML(string=html, base_url=base_url, url_fetcher=_static_fetcher()).write_pdf()


def _static_file(name: str) -> str | None:
    """The file on disk behind a static URL's name, hashed or not.

    In production the pages link the manifest's hashed names (`beffroi.7cc6cd2bf319.css`), which exist only in
    STATIC_ROOT after collectstatic; the finders know the source names. Without this the PDF was printed with
    no stylesheet at all: the site's menu and the page's buttons on page 1.
    """
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    found = finders.find(name)
    if found:
        return str(found)
    try:
        collected = Path(staticfiles_storage.path(name))
    except NotImplementedError:
        collected = None
    if collected is not None and collected.is_file():
        return str(collected)
    unhashed = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", name)
    found = finders.find(unhashed) if unhashed != name else None
    return str(found) if found else None


def _static_fetcher():
    """Stylesheets are read from the static files on disk; nothing is fetched from the network."""
    from django.conf import settings
    from weasyprint.urls import URLFetcher

    static_url = settings.STATIC_URL or "/static/"

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            marker = url.find(static_url)
            if marker != -1:
                path = _static_file(url[marker + len(static_url) :].split("?")[0])
                if path:
                    return super().fetch(Path(path).resolve().as_uri(), headers)
            raise ValueError(f"Ressource non chargée dans le PDF : {url}")

    return StaticFilesFetcher(allowed_protocols=("file", "data"))
