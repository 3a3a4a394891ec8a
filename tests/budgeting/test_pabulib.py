"""The pabulib reader and writer: real files, quirks, malformed input, round trips (also through pabutools)."""

from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election.pabulib import parse_pabulib_from_string

from beffroi.budgeting.cli import count_file, main
from beffroi.budgeting.pabulib import (
    PabulibError,
    PabulibFile,
    format_money,
    parse_pabulib,
    parse_pabulib_bytes,
    read_pabulib,
)
from beffroi.budgeting.pabulib_writer import build_pabulib, election_to_pabulib, with_outcome, write_pabulib
from beffroi.budgeting.rules import BallotType, count, mes_add1

PABULIB_DIR = Path(__file__).resolve().parents[1] / "data" / "pabulib"


@cache
def _read(name: str) -> PabulibFile:
    return read_pabulib(PABULIB_DIR / name)


@pytest.fixture(scope="session")
def pabulib():
    """Read a vendored pabulib file once per session: `pabulib("Poland_Swiecie_2023.pb")`."""
    return _read


ALL_FILES = sorted(f.name for f in PABULIB_DIR.glob("*.pb"))


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_vendored_file_reads_with_its_declared_counts(pabulib, name):
    pb = pabulib(name)
    assert len(pb.projects) == int(pb.meta["num_projects"])
    assert len(pb.voters) == int(pb.meta["num_votes"])
    election = pb.election()
    profile = election.profile
    # the file's own tallies agree with the ballots: votes, and points (cumulative) or positional points (ordinal)
    for project in pb.projects:
        p = profile.index[project.id]
        if project.get("votes") is not None:
            assert profile.votes[p] == int(project.get("votes")), project.id
        if project.get("score") is not None:
            assert profile.score[p] == int(project.get("score")), project.id


@pytest.mark.parametrize("name", ALL_FILES)
def test_writing_a_read_file_gives_back_its_bytes(name):
    raw = (PABULIB_DIR / name).read_bytes()
    written = write_pabulib(read_pabulib(PABULIB_DIR / name)).encode()
    if name.startswith("Poland_Wieliczka"):
        # the original has one line ending in LF among CRLF lines; the writer uses one line ending throughout
        raw = raw.replace(b"\r\n", b"\n")
        written = written.replace(b"\r\n", b"\n")
    assert written == raw


def test_quoted_fields_float_costs_and_french_text(pabulib):
    pb = pabulib("France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb")
    oasis = next(p for p in pb.projects if p.id == "182")
    assert oasis.name == 'Aménagement de cours "OASIS" à l\'école élémentaire Victor Hugo'
    assert oasis.cost == 200_000 and isinstance(oasis.cost, Fraction)
    assert pb.budget == 400_000
    assert pb.meta["subunit"] == "17 - Mirail-Université / Reynerie / Bellefontaine"
    assert pb.selected_ids() is None


def test_unusual_meta_keys_and_per_category_budgets(pabulib):
    pb = pabulib("Netherlands_Amsterdam_179.pb")
    assert pb.category_budgets() == {"Jeugd": 82_000, "Groen": 53_000, "Ontmoeting": 115_000}
    assert pb.meta["leftover_budget"].startswith("Fund additional projects")
    election = pb.election()
    assert election.category_budgets == {"Jeugd": 82_000, "Groen": 53_000, "Ontmoeting": 115_000}
    assert election.projects[0].categories


def test_ballot_types(pabulib):
    assert pabulib("Poland_Czestochowa_2024_Bleszno.pb").election().ballot_type is BallotType.CUMULATIVE
    assert pabulib("France_Toulouse_2019.pb").election().ballot_type is BallotType.CUMULATIVE
    krakow = pabulib("Poland_Krakow_2019_Bienczyce.pb").election()
    assert krakow.ballot_type is BallotType.ORDINAL and krakow.ordinal_length == 3
    text = VALID.replace("approval", "choose-1").replace("v1;1,2", "v1;1")
    assert parse_pabulib(text).election().ballot_type is BallotType.APPROVAL


# -- malformed files: the line and the problem ---------------------------------------------------------------------

VALID = "\n".join(
    [
        "META",
        "key;value",
        "description;Budget participatif de Valbourg",
        "country;France",
        "unit;Valbourg",
        "instance;2026",
        "num_projects;3",
        "num_votes;3",
        "budget;1000",
        "vote_type;approval",
        "rule;greedy",
        "date_begin;01.09.2026",
        "date_end;30.09.2026",
        "PROJECTS",
        "project_id;cost;name",
        "1;500;Jardin partagé",
        '2;400;"Piste cyclable; tranche 2"',
        '7;300;"Aire de jeux ""Les Tilleuls"""',
        "VOTES",
        "voter_id;vote",
        "v1;1,2",
        "v2;7",
        "v3;",
        "",
    ]
)


def test_the_valid_sample_reads():
    pb = parse_pabulib(VALID)
    assert [p.name for p in pb.projects] == [
        "Jardin partagé",
        "Piste cyclable; tranche 2",
        'Aire de jeux "Les Tilleuls"',
    ]
    assert [v.vote for v in pb.voters] == [("1", "2"), ("7",), ()]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("7;300;", "7;;"), "ligne 18 : coût manquant pour le projet 7"),
        (("7;300;", "7;trois cents;"), "ligne 18 : coût du projet 7 invalide : « trois cents »"),
        (("7;300;", "7;-300;"), "ligne 18 : coût négatif pour le projet 7"),
        (("7;300;", "2;300;"), "ligne 18 : le projet 2 apparaît deux fois (déjà ligne 17)"),
        (("v2;7", "v2;8"), "ligne 22 : le bulletin de l'électeur v2 cite un projet inconnu « 8 »"),
        (("v2;7", "v1;7"), "ligne 22 : l'électeur v1 a deux bulletins"),
        (("v2;7", ";7"), "ligne 22 : identifiant d'électeur manquant"),
        (
            ("num_votes;3", "num_votes;4"),
            "ligne 8 : num_votes annonce 4 bulletins mais le fichier en contient 3",
        ),
        (("num_projects;3", "num_projects;2"), "ligne 7 : num_projects annonce 2 projets"),
        (("budget;1000", "budget;mille"), "ligne 9 : budget invalide : « mille »"),
        (("budget;1000\n", ""), "budget manquant"),
        (("1;500;Jardin partagé", "1;500;Jardin; partagé"), "ligne 16 : projet : 4 champs pour 3 colonnes"),
        (("project_id;cost;name", "project_id;prix;name"), "ligne 15 : la colonne « cost » manque"),
        (("voter_id;vote", "voter_id;choix"), "ligne 20 : la colonne « vote » manque"),
        (
            ("vote_type;approval", "vote_type;quadratic"),
            "ligne 10 : type de vote « quadratic » non pris en charge",
        ),
        (("PROJECTS\n", "PROJETS\n"), "ligne 14 : la clé META « PROJETS » n'a pas de valeur"),
        (("VOTES\nvoter_id;vote\nv1;1,2\nv2;7\nv3;\n", ""), "section VOTES absente"),
        (("META\n", ""), "ligne 1 : le fichier doit commencer par la ligne META"),
        (
            ("country;France", "country;France\nbudget;2000"),
            "ligne 10 : clé META « budget » en double (déjà ligne 5)",
        ),
    ],
)
def test_malformed_files_name_the_line_and_the_problem(change, message):
    text = VALID.replace(*change, 1)
    with pytest.raises(PabulibError) as caught:
        parse_pabulib(text)
    assert str(caught.value).startswith(message)


# -- a ballot that names a project twice (real pabulib files have some): counted once, with a warning ------------


def test_a_ballot_naming_a_project_twice_counts_it_once_with_a_warning_naming_the_line():
    text = VALID.replace("v2;7", "v2;7,7").replace("v1;1,2", "v1;1,2,1,1")
    pb = parse_pabulib(text)
    assert [v.vote for v in pb.voters] == [("1", "2"), ("7",), ()]
    assert [str(w) for w in pb.warnings] == [
        "ligne 21 : le bulletin de l'électeur v1 cite 3 fois le projet 1 (compté une fois)",
        "ligne 22 : le bulletin de l'électeur v2 cite deux fois le projet 7 (compté une fois)",
    ]
    assert pb.election().profile.votes == parse_pabulib(VALID).election().profile.votes
    # the same with a blank line among the ballots (read row by row rather than column by column)
    spaced = parse_pabulib(text.replace("\nv3;", "\n\nv3;"))
    assert [str(w) for w in spaced.warnings] == [str(w) for w in pb.warnings]
    assert [v.vote for v in spaced.voters] == [v.vote for v in pb.voters]
    # the file is kept as written: writing it back gives the same text
    assert write_pabulib(pb) == text
    # pabutools reads it the same way
    _, profile = parse_pabulib_from_string(text)
    assert [sorted(p.name for p in ballot) for ballot in profile] == [["1", "2"], ["7"], []]


def test_a_points_ballot_naming_a_project_twice_keeps_its_first_place_and_last_points():
    text = VALID.replace("approval", "cumulative").replace("voter_id;vote", "voter_id;vote;points")
    text = text.replace("v1;1,2", "v1;1,2,1;3,1,2").replace("v2;7", "v2;7,7;2,2").replace("v3;", "v3;2;1")
    pb = parse_pabulib(text)
    assert (pb.voters[0].vote, pb.voters[0].points) == (("1", "2"), (2, 1))
    assert (pb.voters[1].vote, pb.voters[1].points) == (("7",), (2,))
    assert [str(w) for w in pb.warnings] == [
        "ligne 21 : le bulletin de l'électeur v1 cite deux fois le projet 1 "
        "(compté une fois, avec les points de sa dernière mention : 2)",
        "ligne 22 : le bulletin de l'électeur v2 cite deux fois le projet 7 (compté une fois)",
    ]
    _, profile = parse_pabulib_from_string(text)
    assert [{p.name: int(v) for p, v in ballot.items()} for ballot in profile][:2] == [
        {"1": 2, "2": 1},
        {"7": 2},
    ]


def test_an_ordinal_ballot_naming_a_project_twice_keeps_its_first_place():
    text = VALID.replace("approval", "ordinal").replace("v1;1,2", "v1;2,1,2")
    pb = parse_pabulib(text)
    assert pb.voters[0].vote == ("2", "1")
    assert [str(w) for w in pb.warnings] == [
        "ligne 21 : le bulletin de l'électeur v1 cite deux fois le projet 2 (compté une fois)"
    ]


def test_the_command_counts_a_ballot_naming_a_project_twice_and_says_so(tmp_path, capsys):
    import json

    clean = tmp_path / "clean.pb"
    clean.write_text(VALID, encoding="utf-8")
    doubled = tmp_path / "doubled.pb"
    doubled.write_text(VALID.replace("v2;7", "v2;7,7"), encoding="utf-8")
    assert main(["count", str(clean), "--rule", "mes-add1"]) == 0
    expected = capsys.readouterr()
    assert expected.err == ""
    assert main(["count", str(doubled), "--rule", "mes-add1"]) == 0
    printed = capsys.readouterr()
    assert printed.out == expected.out
    assert printed.err == (
        f"attention : {doubled}, ligne 22 : le bulletin de l'électeur v2 cite deux fois le projet 7 (compté une fois)\n"
    )
    assert main(["count", str(doubled), "--rule", "greedy", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["winners"] == ["7", "2"]
    assert report["warnings"] == [
        {"line": 22, "message": "le bulletin de l'électeur v2 cite deux fois le projet 7 (compté une fois)"}
    ]


def test_many_warnings_are_summed_up_after_the_first_twenty(tmp_path, capsys):
    rows = [f"v{i};7,7" for i in range(25)]
    text = VALID.replace("num_votes;3", "num_votes;25").split("VOTES")[0] + "VOTES\nvoter_id;vote\n"
    path = tmp_path / "many.pb"
    path.write_text(text + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["count", str(path), "--rule", "greedy"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 21
    assert (
        err[0]
        == f"attention : {path}, ligne 21 : le bulletin de l'électeur v0 cite deux fois le projet 7 (compté une fois)"
    )
    assert err[-1] == f"attention : {path}, 5 autres avertissements du même genre"


def test_sections_out_of_order():
    projects = VALID[VALID.index("PROJECTS") : VALID.index("VOTES")]
    text = VALID.replace(projects, "") + projects
    with pytest.raises(PabulibError, match=r"^ligne 14 : section VOTES inattendue ici"):
        parse_pabulib(text)


def test_points_must_match_the_ballot():
    text = VALID.replace("approval", "cumulative").replace("voter_id;vote", "voter_id;vote;points")
    text = text.replace("v1;1,2", "v1;1,2;3").replace("v2;7", "v2;7;2").replace("v3;", "v3;;")
    with pytest.raises(PabulibError, match=r"^ligne 21 : l'électeur v1 a 2 projets mais 1 valeurs de points"):
        parse_pabulib(text)
    fixed = parse_pabulib(text.replace("v1;1,2;3", "v1;1,2;3,1"))
    assert fixed.voters[0].points == (3, 1)
    with pytest.raises(PabulibError, match="points invalides « x »"):
        parse_pabulib(text.replace("v1;1,2;3", "v1;1,2;3,x"))


def test_invalid_utf8_names_the_line():
    data = VALID.encode().replace("Jardin partagé".encode(), b"Jardin partag\xe9")
    with pytest.raises(PabulibError, match=r"^ligne 16 : le fichier n'est pas en UTF-8"):
        parse_pabulib_bytes(data)


def test_bom_blank_lines_spaces_decimal_comma_and_none_are_tolerated():
    text = "\ufeff" + VALID.replace("budget;1000", "budget;1000,50").replace("VOTES", "\nVOTES")
    text = text.replace("v3;", "v3;None")
    pb = parse_pabulib(text)
    assert pb.budget == Fraction(200_100, 200)
    assert pb.voters[2].vote == ()


# -- writing -------------------------------------------------------------------------------------------------------


def test_writer_quotes_what_needs_quoting_and_pabutools_parses_it():
    written = write_pabulib(parse_pabulib(VALID))
    assert written == VALID
    instance, profile = parse_pabulib_from_string(written)
    names = {p.name: instance.project_meta[p]["name"] for p in instance}
    assert names["2"] == "Piste cyclable; tranche 2"
    assert names["7"] == 'Aire de jeux "Les Tilleuls"'
    assert sorted(sorted(p.name for p in b) for b in profile) == [[], ["1", "2"], ["7"]]


@pytest.mark.parametrize("name", ALL_FILES)
def test_pabutools_reads_what_we_write(pabulib, name):
    if name == "Poland_Lodz_2022.pb":
        pytest.skip("pabutools takes seconds on this file; its bytes equal the original (test above)")
    pb = pabulib(name)
    instance, profile = parse_pabulib_from_string(write_pabulib(pb))
    assert {p.name: p.cost for p in instance} == {p.id: p.cost for p in pb.projects}
    assert instance.budget_limit == pb.budget
    assert len(profile) == len(pb.voters)
    ours = pb.election().profile
    for project in instance:
        p = ours.index[project.name]
        if pb.vote_type in ("approval", "choose-1"):
            assert profile.approval_score(project) == ours.votes[p]


def test_export_an_election_with_its_outcome_and_read_it_back(pabulib):
    election = pabulib("Netherlands_Assen_2024.pb").election()
    outcome = mes_add1(election)
    meta = {
        "description": "Export",
        "country": "Netherlands",
        "unit": "Assen",
        "instance": "2024",
        "rule": "equalshares/add1",
        "date_begin": "31.03.2024",
        "date_end": "15.04.2024",
    }
    exported = election_to_pabulib(election, meta, outcome=outcome)
    again = parse_pabulib(write_pabulib(exported))
    assert sorted(again.selected_ids()) == sorted(outcome.winners)
    assert count(again.election(), "mes-add1").winners == outcome.winners
    instance, profile = parse_pabulib_from_string(write_pabulib(exported))
    assert len(instance) == 14 and profile.num_ballots() == 84


def test_with_outcome_adds_the_selected_column(pabulib):
    pb = pabulib("France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb")
    outcome = count(pb.election(), "greedy")
    marked = parse_pabulib(write_pabulib(with_outcome(pb, outcome)))
    assert sorted(marked.selected_ids()) == sorted(outcome.winners)


def test_format_money():
    assert format_money(Fraction(75000)) == "75000"
    assert format_money(Fraction(25, 2)) == "12.5"
    assert format_money(Fraction(1, 8)) == "0.125"
    with pytest.raises(PabulibError):
        format_money(Fraction(1, 3))


names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20
).filter(lambda s: s == s.strip() and s.lower() != "none")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    projects=st.lists(
        st.tuples(names, st.integers(0, 10**7), st.integers(0, 99)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    data=st.data(),
)
def test_round_trip_of_arbitrary_names_and_ballots(projects, data):
    ids = [f"p{i}" for i in range(len(projects))]
    rows = [
        {"project_id": pid, "cost": Fraction(cost, 100), "name": name}
        for pid, (name, cost, _) in zip(ids, projects, strict=True)
    ]
    ballots = data.draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=8))
    voters = [{"voter_id": f"v{i}", "vote": b} for i, b in enumerate(ballots)]
    meta = {
        "description": 'x;"y"',
        "budget": Fraction(123456, 100),
        "vote_type": "approval",
        "rule": "greedy",
    }
    pb = build_pabulib(meta, rows, voters)
    again = parse_pabulib(write_pabulib(pb))
    assert [(p.id, p.cost, p.name) for p in again.projects] == [
        (r["project_id"], r["cost"], r["name"]) for r in rows
    ]
    assert [v.vote for v in again.voters] == [tuple(b) for b in ballots]
    assert again.meta["description"] == 'x;"y"'
    instance, profile = parse_pabulib_from_string(write_pabulib(pb))
    assert {p.name: p.cost for p in instance} == {r["project_id"]: r["cost"] for r in rows}
    assert {p.name: instance.project_meta[p]["name"] for p in instance} == {
        r["project_id"]: r["name"] for r in rows
    }
    assert profile.num_ballots() == len(ballots)


# -- command line --------------------------------------------------------------------------------------------------


def test_count_file_json_and_text():
    import json

    report = json.loads(count_file(PABULIB_DIR / "Netherlands_Assen_2024.pb", "mes-add1", as_json=True))
    assert report["winners"] == ["3", "9", "2", "11", "13", "14", "5", "6", "12"]
    assert report["total_cost"] == 76_700
    assert report["rule"] == "mes-add1"
    text = count_file(PABULIB_DIR / "Poland_Wieliczka_2023_Green_Budget.pb", "mes-add1-comparison")
    assert "Dotation par votant : 315,84" in text
    assert "Total : 30 projets, 995 079 (reste 4 921)" in text
    assert " 539,86 " in text


def test_cli_reports_errors_in_french(tmp_path, capsys):
    bad = tmp_path / "bad.pb"
    bad.write_text(VALID.replace("7;300;", "7;;"), encoding="utf-8")
    assert main(["count", str(bad), "--rule", "greedy"]) == 2
    # the same sentence as `beffroi pb count`: the file, then the line
    assert capsys.readouterr().err == f"erreur : {bad}, ligne 18 : coût manquant pour le projet 7\n"
    good = tmp_path / "good.pb"
    good.write_text(VALID, encoding="utf-8")
    assert main(["count", str(good), "--rule", "greedy"]) == 0
    assert "Total : 2 projets, 700 (reste 300)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Gdynia_2020_Babie_Doly__large.pb",
        "Poland_Warszawa_2017_Aleksandrow.pb",
    ],
)
def test_count_gives_pabutools_winners_on_real_files(name):
    """`beffroi pb count --rule mes-add1` and pabutools (its own parser, MES with Add1) pick the same projects in
    the same order, given the same tie-breaking (lowest cost, most votes, then file order). The files where
    pabutools takes seconds are compared by `bench/pb_rules.py --all-files`."""
    import json

    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    ours = json.loads(count_file(PABULIB_DIR / name, "mes-add1", as_json=True))["winners"]
    instance, profile = parse_pabulib(str(PABULIB_DIR / name))
    votes = {p: sum(p in ballot for ballot in profile) for p in instance}
    order = {p: i for i, p in enumerate(instance.project_meta)}
    tie = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p], order[p]))
    theirs = method_of_equal_shares(
        instance, profile.as_multiprofile(), sat_class=Cost_Sat, tie_breaking=tie, voter_budget_increment=1
    )
    assert ours == [p.name for p in theirs]
