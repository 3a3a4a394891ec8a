"""The volunteers and quotas files, and `beffroi sortition draw`: what an agent preparing the files sees."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beffroi.participation import sortition
from beffroi.participation.sortition import FeatureQuota, SortitionError

QUOTAS = """category,feature,min,max
sexe,femme,2,3
sexe,homme,2,3
âge,jeune,2,3
âge,âgé,2,3
"""

VOLUNTEERS = "id;sexe;âge\n" + "\n".join(
    f"v{i:02d};{sexe};{age}"
    for i, (sexe, age) in enumerate(
        [("femme", "jeune")] * 2 + [("femme", "âgé")] * 3 + [("homme", "jeune")] * 2 + [("homme", "âgé")] * 5
    )
)


def test_quotas_are_read_in_file_order():
    quotas = sortition.parse_quotas(QUOTAS)
    assert list(quotas) == ["sexe", "âge"]
    assert quotas["âge"]["âgé"] == FeatureQuota(2, 3)


def test_semicolons_a_bom_blank_lines_and_french_headers_are_accepted():
    text = "\ufeffcatégorie;valeur;min;max\n\nsexe;femme;1;2\r\nsexe;homme;1;2\n"
    assert sortition.parse_quotas(text) == {
        "sexe": {"femme": FeatureQuota(1, 2), "homme": FeatureQuota(1, 2)}
    }
    volunteers = sortition.parse_volunteers("\ufeffid,sexe\n1,femme\n2,homme\n")
    assert [(v.id, v.features["sexe"], v.line) for v in volunteers] == [("1", "femme", 2), ("2", "homme", 3)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "category,feature,min\nsexe,femme,1\n",
            "ligne 1 : l'en-tête doit être « category,feature,min,max » (colonne manquante : « max »)",
        ),
        (
            "category,feature,min,max\nsexe,femme,un,2\n",
            "ligne 2, colonne « min » : « un » n'est pas un nombre entier",
        ),
        (
            "category,feature,min,max\nsexe,femme,1,2.5\n",
            "ligne 2, colonne « max » : « 2.5 » n'est pas un nombre entier",
        ),
        (
            "category,feature,min,max\nsexe,femme,3,2\n",
            "ligne 2, colonne « min » : le minimum (3) dépasse le maximum (2)",
        ),
        ("category,feature,min,max\nsexe,femme,-1,2\n", "ligne 2, colonne « min » : -1 est négatif"),
        (
            "category,feature,min,max\nsexe,femme,1,2\nsexe,femme,1,2\n",
            "ligne 3, colonne « feature » : la valeur « femme » de la catégorie « sexe » apparaît deux fois",
        ),
        ("category,feature,min,max\nsexe,femme,1\n", "ligne 2 : 3 cellules au lieu de 4"),
        ("category,feature,min,max\n", "ligne 1 : le fichier ne contient aucun quota"),
        ("", "le fichier est vide"),
    ],
)
def test_bad_quota_files_are_refused_with_line_and_column(text, expected):
    with pytest.raises(SortitionError) as caught:
        sortition.parse_quotas(text)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "nom;sexe;âge\nv1;femme;jeune\n",
            "ligne 1, colonne « nom » : la première colonne doit s'appeler « id »",
        ),
        (
            "id;sexe\nv1;femme\n",
            "ligne 1, colonne « âge » : colonne manquante : la catégorie « âge » des quotas",
        ),
        ("id;sexe;âge;quartier\nv1;femme;jeune;nord\n", "ligne 1, colonne « quartier » : colonne inconnue"),
        (
            "id;sexe;âge\nv1;femme;jeune\nv2;femme;vieux\n",
            "ligne 3, colonne « âge » : valeur inconnue « vieux »",
        ),
        (
            "id;sexe;âge\nv1;femme;jeune\nv1;homme;jeune\n",
            "ligne 3, colonne « id » : l'identifiant « v1 » apparaît deux fois",
        ),
        ("id;sexe;âge\nv1;femme\n", "ligne 2 : 2 cellules au lieu de 3"),
        ("id;sexe;âge\nv1;;jeune\n", "ligne 2, colonne « sexe » : valeur vide"),
        ("id;sexe;sexe\nv1;femme;femme\n", "ligne 1, colonne « sexe » : colonne en double"),
        ("id;sexe;âge\n", "ligne 1 : le fichier ne contient aucun volontaire"),
    ],
)
def test_bad_volunteer_files_are_refused_with_line_and_column(text, expected):
    with pytest.raises(SortitionError) as caught:
        sortition.parse_volunteers(text, sortition.parse_quotas(QUOTAS))
    assert str(caught.value).startswith(expected)


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    volunteers = tmp_path / "volontaires.csv"
    quotas = tmp_path / "quotas.csv"
    volunteers.write_text(VOLUNTEERS, encoding="utf-8")
    quotas.write_text(QUOTAS, encoding="utf-8")
    return str(volunteers), str(quotas)


def run(*args: str) -> str:
    out = StringIO()
    call_command("sortition", "draw", *args, stdout=out)
    return out.getvalue()


def test_json_output_gives_the_panel_the_probabilities_and_the_seed_first(files):
    data = json.loads(
        run(*files, "--size", "5", "--seed", "graine-publique", "--json", "--greedy-runs", "200")
    )
    assert list(data)[:3] == ["panel", "probabilities", "seed"]
    assert data["seed"] == "graine-publique"
    volunteers = sortition.parse_volunteers(VOLUNTEERS)
    quotas = sortition.parse_quotas(QUOTAS)
    assert len(data["panel"]) == 5
    assert all(row.met for row in sortition.quota_table(data["panel"], volunteers, quotas))
    assert sum(data["probabilities"].values()) == pytest.approx(5)
    assert min(data["probabilities"].values()) == pytest.approx(0.375, abs=1e-6)
    assert data["gap"] <= 1e-4
    # The drawn ticket is the smallest SHA-256 of "seed:ticket", the panel the ticket's.
    assert (
        data["ticket"]
        == sortition.draw(
            sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), data["tickets"]),
            "graine-publique",
        )[0]
    )
    assert data["greedy_min_probability"] <= data["min_probability"] + 0.06


def test_the_same_seed_draws_the_same_panel(files):
    first = json.loads(run(*files, "--size", "5", "--seed", "s1", "--json", "--greedy-runs", "0"))
    second = json.loads(run(*files, "--size", "5", "--seed", "s1", "--json", "--greedy-runs", "0"))
    assert first["panel"] == second["panel"]
    assert "greedy_min_probability" not in first


def test_text_output_shows_panel_quotas_probabilities_and_both_minimums(files):
    text = run(*files, "--size", "5", "--seed", "abc", "--greedy-runs", "100")
    assert "Graine publique : abc" in text
    assert "Quotas du panel" in text and "sexe, femme :" in text
    assert "  v00 : 0," in text
    assert "Probabilité minimale LEXIMIN : 0,375000" in text
    assert "Probabilité minimale de la méthode gloutonne :" in text


def test_bad_input_is_refused_with_the_french_message(files, tmp_path):
    volunteers, quotas = files
    with pytest.raises(CommandError, match="catégorie « sexe » : la somme des minimums"):
        run(volunteers, quotas, "--size", "3")
    bad = tmp_path / "bad.csv"
    bad.write_text("id;sexe;âge\nv1;femme;vieux\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.csv, ligne 2, colonne « âge » : valeur inconnue « vieux »"):
        run(str(bad), quotas, "--size", "2")
    with pytest.raises(CommandError, match="fichier introuvable"):
        run(str(tmp_path / "absent.csv"), quotas, "--size", "2")


def test_the_console_script_exits_non_zero_on_bad_input(files):
    volunteers, quotas = files
    done = subprocess.run(
        [sys.executable, "-m", "beffroi.cli", "sortition", "draw", volunteers, quotas, "--size", "30"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "ne peut pas être tiré parmi 12 volontaires" in done.stderr
