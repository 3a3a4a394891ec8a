"""« Mes données »: the download holds what the person created, under French keys, and not the ballot's content."""

import json
import re

from beffroi.core.codes import format_code
from tests.accounts.conftest import EMAIL, NAME

SNAKE_FRENCH_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
ENGLISH_WORDS = {
    "email",
    "created",
    "name",
    "phone",
    "date_joined",
    "last_login",
    "since",
    "generated_at",
    "platform",
    "account",
    "memberships",
    "actions_recorded",
    "summary",
    "code",
    "at",
}


def download(client, user) -> dict:
    client.force_login(user)
    response = client.get("/valbourg/compte/mes-donnees.json")
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment")
    return json.loads(response.content)


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def test_the_download_holds_what_the_person_created(client, journey):
    data = download(client, journey.user)

    assert data["compte"]["adresse_electronique"] == EMAIL
    assert data["compte"]["nom"] == NAME
    assert data["compte"]["adresse_confirmee_le"]
    assert [(c["commune"], c["role"], c["role_libelle"]) for c in data["compte"]["communes"]] == [
        ("valbourg", "habitant", "habitant·e")
    ]

    reports = data["signalements"]["signalements"]
    assert sorted(r["code_de_suivi"] for r in reports) == sorted(
        format_code(r.tracking_code) for r in journey.reports
    )
    own = next(r for r in reports if r["description"] == "Lampadaire qui clignote place de l'Église")
    assert (own["categorie"], own["etat"], own["courriel_de_contact"]) == (
        "Éclairage public",
        "Nouveau",
        EMAIL,
    )
    assert [s["signalement"] for s in data["signalements"]["soutiens_donnes"]] == [
        format_code(journey.supported[0].tracking_code)
    ]

    (idea,) = data["budget_participatif"]["idees"]
    assert idea["titre"] == "Boîte à livres au lavoir"
    assert idea["description"] == "Une boîte à livres abritée près du lavoir."
    assert (idea["cout_estime_euros"], idea["cout_retenu_euros"]) == (1800, None)
    assert (idea["statut"], idea["statut_libelle"]) == ("depose", "déposée, en attente d'instruction")

    (vote,) = data["budget_participatif"]["votes"]
    assert vote["budget"] == "Budget participatif 2027" and vote["a_vote_le"]
    (verification,) = data["budget_participatif"]["verifications_de_votant"]
    assert verification["methode"] == "guichet"


def test_the_download_never_reveals_the_ballot(client, journey):
    data = download(client, journey.user)
    text = json.dumps(data["budget_participatif"], ensure_ascii=False)
    assert "Aire de jeux" not in text  # the project the person voted for
    assert [set(v) for v in data["budget_participatif"]["votes"]] == [
        {"commune", "budget", "a_vote_le", "bulletin_modifie_le"}
    ]


def test_every_key_of_every_section_is_french(client, journey):
    data = download(client, journey.user)
    keys = all_keys(data)
    assert {"genere_le", "plateforme", "compte", "signalements", "budget_participatif"} <= keys
    assert all(SNAKE_FRENCH_KEY.match(k) for k in keys), sorted(
        k for k in keys if not SNAKE_FRENCH_KEY.match(k)
    )
    assert not keys & ENGLISH_WORDS, sorted(keys & ENGLISH_WORDS)
