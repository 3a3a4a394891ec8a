"""Fixtures of the participation tests: Valbourg and Hautmesnil with the module on, a consultation built
through the services (one question of each type)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beffroi.participation import services
from tests.factories import member


@pytest.fixture(autouse=True)
def _participation_on(valbourg, hautmesnil):
    for commune in (valbourg, hautmesnil):
        commune.enabled_modules = [*commune.enabled_modules, "participation"]
        commune.save(update_fields=["enabled_modules"])


@pytest.fixture
def elu_valbourg(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


def make_consultation(
    commune, actor, *, slug="horaires-ecole", state="open", audience="tous", anonymous=True
):
    now = timezone.now()
    day = timedelta(days=1)
    opens, closes = {
        "open": (now - day, now + 7 * day),
        "closed": (now - 20 * day, now - day),
        "upcoming": (now + day, now + 8 * day),
    }[state]
    consultation = services.consultation_create(
        commune=commune,
        actor=actor,
        title="Les horaires de l'école",
        slug=slug,
        description="Aidez-nous à choisir les horaires de la rentrée.",
        opens_at=opens,
        closes_at=closes,
        audience=audience,
        anonymous=anonymous,
    )
    q = {}
    q["single"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="choix_unique",
        label="Quelle semaine préférez-vous ?",
        options=["4 jours", "4 jours et demi"],
    )
    q["multiple"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="choix_multiple",
        label="Quelles activités périscolaires ?",
        options=["Sport", "Musique", "Jardinage"],
        max_choices=2,
    )
    q["ranking"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="classement",
        label="Classez les priorités",
        options=["Cantine", "Garderie", "Transport"],
    )
    q["scale"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="echelle",
        label="Êtes-vous satisfait des horaires actuels ?",
    )
    q["short"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="texte_court",
        label="Votre quartier",
        required=False,
    )
    q["long"] = services.question_add(
        commune=commune,
        actor=actor,
        consultation=consultation,
        kind="texte_long",
        label="Une remarque ?",
        required=False,
    )
    services.consultation_publish(commune=commune, actor=actor, consultation=consultation)
    consultation.refresh_from_db()
    return consultation, q


def options(question):
    return [o.pk for o in question.options.order_by("position")]


def good_answers(q, *, single=0, long_text="Plus de sport le mercredi."):
    return {
        str(q["single"].pk): options(q["single"])[single],
        str(q["multiple"].pk): options(q["multiple"])[:2],
        str(q["ranking"].pk): options(q["ranking"]),
        str(q["scale"].pk): 4,
        str(q["long"].pk): long_text,
    }


def post_data(q, answers):
    """The answers as the plain HTML form sends them (no JavaScript)."""
    data = {}
    for key, value in answers.items():
        qid = int(key)
        if qid == q["ranking"].pk:
            for place, option in enumerate(value, start=1):
                data[f"q{qid}_rang{place}"] = str(option)
        elif isinstance(value, list):
            data[f"q{qid}"] = [str(v) for v in value]
        else:
            data[f"q{qid}"] = str(value)
    return data
