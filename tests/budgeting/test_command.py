"""`beffroi pb count FILE.pb --rule RULE [--json]`: the management command around budgeting.cli.count_file."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

DATA = Path(__file__).resolve().parents[1] / "data" / "pabulib"
ASSEN = DATA / "Netherlands_Assen_2024.pb"

pytestmark = pytest.mark.skipif(not ASSEN.exists(), reason="pabulib data not available")


def run(*args) -> str:
    out = StringIO()
    call_command("pb", "count", *args, stdout=out)
    return out.getvalue()


def test_json_output_lists_winners_in_order_with_total_and_rule():
    data = json.loads(run(str(ASSEN), "--rule", "greedy", "--json"))
    assert data["rule"] == "greedy"
    assert data["winners"] == ["3", "9", "8", "2", "11", "13", "14"]
    assert data["total_cost"] == 99200


def test_assen_mes_add1_reproduces_the_published_winners():
    data = json.loads(run(str(ASSEN), "--rule", "mes-add1", "--json"))
    selected = []
    section = None
    for line in ASSEN.read_text(encoding="utf-8-sig").splitlines():
        if line in ("META", "PROJECTS", "VOTES"):
            section, header = line, None
            continue
        if section == "PROJECTS":
            cells = line.split(";")
            if header is None:
                header = cells
            elif cells[header.index("selected")] == "1":
                selected.append(cells[0])
    assert len(data["winners"]) == 9
    assert sorted(data["winners"]) == sorted(selected)


def test_text_output_names_winners_with_cost_and_mes_figures():
    text = run(str(ASSEN), "--rule", "mes-add1")
    assert "PopUp Podium" in text
    assert "Dotation par votant" in text
    assert "Voix effectives" in text
    assert "7 200" in text


def test_malformed_file_gives_a_french_error_naming_the_line(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;\nVOTES\nvoter_id;vote\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        run(str(bad), "--rule", "mes")
    assert "ligne 7" in str(error.value)
    assert "coût manquant" in str(error.value)


def test_unknown_project_in_a_vote_names_its_line(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;50\nVOTES\nvoter_id;vote\n"
        "a;1\nb;7\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        run(str(bad), "--rule", "greedy")
    assert "ligne 11" in str(error.value)
    assert "inconnu" in str(error.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        run(str(tmp_path / "absent.pb"), "--rule", "greedy")


def test_unknown_rule_is_refused():
    with pytest.raises(CommandError):
        run(str(ASSEN), "--rule", "borda")


def test_import_a_pabulib_file_as_a_counted_budget(valbourg):
    from beffroi.budgeting.models import Ballot, Budget
    from beffroi.budgeting.pabulib import read_pabulib

    out = StringIO()
    call_command("pb", "import", str(ASSEN), "--commune", "valbourg", "--slug", "assen-2024", stdout=out)
    assert "84 bulletins" in out.getvalue()
    budget = Budget.objects.get(commune=valbourg, slug="assen-2024")
    assert Ballot.objects.filter(budget=budget).count() == 84
    names = {p.id: p.name for p in read_pabulib(ASSEN).projects}
    expected = json.loads(run(str(ASSEN), "--rule", "mes-add1", "--json"))
    titles = {str(p.pk): p.title for p in budget.projects.all()}
    assert sorted(titles[w] for w in budget.results["winners"]) == sorted(
        names[w] for w in expected["winners"]
    )
    assert budget.results["total_cost"] == expected["total_cost"]


DOUBLED = (
    "META\nkey;value\nbudget;1000\nvote_type;approval\nnum_votes;3\nPROJECTS\nproject_id;cost;name\n"
    "1;500;Jardin\n2;400;Piste\n7;300;Aire de jeux\nVOTES\nvoter_id;vote\nv1;1,2\nv2;7,7\nv3;1\n"
)
DOUBLED_WARNING = "ligne 14 : le bulletin de l'électeur v2 cite deux fois le projet 7 (compté une fois)"


def test_count_reads_a_ballot_naming_a_project_twice_and_warns_with_its_line(tmp_path):
    path = tmp_path / "doubled.pb"
    path.write_text(DOUBLED, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("pb", "count", str(path), "--rule", "mes-add1", "--json", stdout=out, stderr=err)
    assert json.loads(out.getvalue())["winners"] == ["1", "7"]
    assert err.getvalue() == f"attention : {path}, {DOUBLED_WARNING}\n"


def test_import_of_a_ballot_naming_a_project_twice_counts_it_once_and_warns(valbourg, tmp_path):
    from beffroi.budgeting.models import BallotChoice, Budget

    path = tmp_path / "doubled.pb"
    path.write_text(DOUBLED, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command(
        "pb", "import", str(path), "--commune", "valbourg", "--slug", "double", stdout=out, stderr=err
    )
    assert "3 bulletins" in out.getvalue()
    assert err.getvalue() == f"attention : {path}, {DOUBLED_WARNING}\n"
    budget = Budget.objects.get(commune=valbourg, slug="double")
    assert BallotChoice.objects.filter(budget=budget, project__title="Aire de jeux").count() == 1


def test_the_console_script_counts_without_starting_django(tmp_path):
    """`beffroi pb count` skips Django's start-up: same report and errors as the management command."""
    script = (
        "import sys\n"
        "from beffroi import cli\n"
        "try:\n"
        "    cli.main(['beffroi', 'pb', 'count', *sys.argv[1:]])\n"
        "except SystemExit as exit:\n"
        "    print('django' in sys.modules, exit.code, file=sys.stderr)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script, str(ASSEN), "--rule", "mes-add1"], capture_output=True, text=True
    )
    assert ran.stdout == run(str(ASSEN), "--rule", "mes-add1")
    assert ran.stderr == "False 0\n"
    ran = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "absent.pb"), "--rule", "mes"],
        capture_output=True,
        text=True,
    )
    assert ran.stderr == f"CommandError: fichier introuvable : {tmp_path / 'absent.pb'}\nFalse 1\n"


def test_import_refuses_an_unknown_commune(db):
    with pytest.raises(CommandError, match="commune inconnue"):
        call_command("pb", "import", str(ASSEN), "--commune", "nulle-part", "--slug", "x", stdout=StringIO())
