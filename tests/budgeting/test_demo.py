"""The demo's budgets as a resident reads them: phases that open at 9 h 00 and close at 23 h 59, Paris time (not at
the minute the demo was loaded), in the same place relative to the load as before; the 2025 envelopes adding up to
the budget."""

import html
import random
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from beffroi.budgeting import demo, selectors
from beffroi.core.dates import long_date, long_datetime

BASE = "/valbourg/budget-participatif"
PARIS = ZoneInfo("Europe/Paris")


def _paris(days: int, hour: int, minute: int) -> datetime:
    """`hour`:`minute` in Valbourg, `days` days from today there."""
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute), tzinfo=PARIS)


def _vote_step(page: str) -> str:
    """The « Vote — du … au … » step of the budget page, as text."""
    match = re.search(r"<strong>Vote</strong> — (du .*?)(?: <span|</li>)", page)
    assert match, "the budget page shows no vote dates"
    return html.unescape(match.group(1))


def test_the_demo_vote_open_today_closes_at_23_59(client, valbourg, agent_valbourg, admin_valbourg):
    demo._load_open(valbourg, agent_valbourg, admin_valbourg, None)
    budget = selectors.budget_get(commune=valbourg, slug="bp-2026")
    assert budget.phase == "vote"  # opened three days ago, closes in eighteen
    page = client.get(f"{BASE}/bp-2026/").content.decode()
    step = _vote_step(page)
    assert step == f"du {long_datetime(_paris(-3, 9, 0))} au {long_datetime(_paris(18, 23, 59))}"
    assert step.endswith("à 23\xa0h\xa059") and "à 9\xa0h\xa000 au" in step
    assert f"du {long_date(_paris(-60, 9, 0))} au {long_date(_paris(-30, 23, 59))}" in page  # ideas, by day
    with_code = html.unescape(client.get(f"{BASE}/bp-2026/voter/code/").content.decode())
    assert (
        f"Vous pouvez revoter avec le même code jusqu'au {long_datetime(_paris(18, 23, 59))} ;" in with_code
    )


def test_the_demo_budget_collecting_ideas_votes_later_from_9_h_to_23_h_59(client, valbourg, agent_valbourg):
    demo._load_ideas(valbourg, agent_valbourg, None)
    budget = selectors.budget_get(commune=valbourg, slug="bp-2027")
    assert budget.phase == "depot"
    assert budget.ideas_close_at == _paris(40, 23, 59)
    step = _vote_step(client.get(f"{BASE}/bp-2027/").content.decode())
    assert step == f"du {long_datetime(_paris(100, 9, 0))} au {long_datetime(_paris(130, 23, 59))}"


def test_the_demo_2025_budget_shows_its_past_vote_and_every_envelope(
    client, valbourg, agent_valbourg, admin_valbourg
):
    # the volumes of a syndicat's commune (`load_commune`), to load quickly: the dates and envelopes are Valbourg's
    demo._load_finished(
        valbourg,
        agent_valbourg,
        admin_valbourg,
        random.Random(2025),
        online=0,
        code_only=40,
        paper=4,
        bulk=True,
    )
    budget = selectors.budget_get(commune=valbourg, slug="bp-2025")
    assert budget.phase == "suivi"
    page = client.get(f"{BASE}/bp-2025/").content.decode()
    assert (
        _vote_step(page) == f"du {long_datetime(_paris(-200, 9, 0))} au {long_datetime(_paris(-170, 23, 59))}"
    )
    sentence = html.unescape(re.search(r"<p>Enveloppes\s:\s(.*?)</p>", page).group(1))
    assert re.fullmatch(
        r"Quartier centre \(40\s000\s€\), Quartier nord \(40\s000\s€\), Quartier sud \(40\s000\s€\), "
        r"budget général pour les projets hors enveloppe \(30\s000\s€\)\.",
        sentence,
    ), sentence
    listed = sum(int(re.sub(r"\D", "", amount)) for amount in re.findall(r"\(([^()]*€)\)", sentence))
    lead = re.search(r'<p class="lead">([^<]*) pour des projets', page)
    assert lead and int(re.sub(r"\D", "", lead.group(1))) == listed == budget.total_amount == 150000
