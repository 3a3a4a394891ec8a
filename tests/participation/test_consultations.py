"""Consultations as residents, agents and élus use them: answering with plain form posts (no JavaScript), once,
between the dates, for the audience chosen, secretly; paper questionnaires entered twice; results and the
commune's answer; another commune's agent refused."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.participation import selectors, services
from beffroi.participation.models import AnswerSheet, PaperEntry, Respondent
from tests.factories import member
from tests.participation.conftest import good_answers, make_consultation, options, post_data

BASE = "/valbourg/participation"


def test_a_resident_answers_without_javascript_once(client, valbourg, agent_valbourg):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    page = client.get(f"{BASE}/consultations/{consultation.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Envoyer mes réponses" in html and f'name="q{q["ranking"].pk}_rang1"' in html

    response = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q)))
    assert response.status_code == 302 and response["Location"].endswith("/merci/")
    assert Respondent.objects.filter(consultation=consultation).count() == 1
    sheet = AnswerSheet.objects.get(consultation=consultation)
    assert sheet.answers[str(q["scale"].pk)] == 4

    again = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q, single=1)))
    assert again.status_code == 400
    assert "Vous avez déjà répondu" in again.content.decode()
    assert AnswerSheet.objects.filter(consultation=consultation).count() == 1
    assert (
        "Vous avez déjà répondu" in client.get(f"{BASE}/consultations/{consultation.slug}/").content.decode()
    )


def test_a_ranking_with_a_repeated_option_is_refused_and_the_other_answers_kept(
    client, valbourg, agent_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    answers = good_answers(q)
    first = options(q["ranking"])[0]
    answers[str(q["ranking"].pk)] = [first, first]
    response = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, answers))
    assert response.status_code == 400
    html = response.content.decode()
    assert "« Cantine » est classé deux fois" in html
    assert "Plus de sport le mercredi." in html  # what was typed is still there
    assert not Respondent.objects.exists() and not AnswerSheet.objects.exists()


def test_missing_required_answer_and_too_many_choices_are_named(client, valbourg, agent_valbourg):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    answers = good_answers(q)
    del answers[str(q["single"].pk)]
    answers[str(q["multiple"].pk)] = options(q["multiple"])
    html = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, answers)).content.decode()
    assert "Répondez à cette question." in html
    assert "Cochez au plus 2 réponses ; vous en avez coché 3." in html


@pytest.mark.parametrize("state, message", [("upcoming", "pas encore ouverte"), ("closed", "est close")])
def test_answers_outside_the_dates_are_refused(client, valbourg, agent_valbourg, state, message):
    consultation, q = make_consultation(valbourg, agent_valbourg, state=state)
    response = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q)))
    assert response.status_code == 400
    assert message in response.content.decode()
    with pytest.raises(ValidationError):
        services.consultation_answer(
            commune=valbourg, consultation=consultation, person=None, answers=good_answers(q), browser_key="x"
        )
    assert not AnswerSheet.objects.exists()


def test_account_audience_asks_to_log_in_then_takes_one_answer(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg, audience="compte")
    assert (
        "Connectez-vous pour répondre"
        in client.get(f"{BASE}/consultations/{consultation.slug}/").content.decode()
    )
    client.force_login(habitant_valbourg)
    assert (
        client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q))).status_code
        == 302
    )
    with pytest.raises(ValidationError, match="déjà répondu"):
        services.consultation_answer(
            commune=valbourg, consultation=consultation, person=habitant_valbourg, answers=good_answers(q)
        )


def test_verified_audience_needs_the_counter_check(
    client, valbourg, agent_valbourg, habitant_valbourg, agent_hautmesnil
):
    consultation, q = make_consultation(valbourg, agent_valbourg, audience="verifies")
    client.force_login(habitant_valbourg)
    refused = client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q)))
    assert refused.status_code == 400 and "réservée aux habitants vérifiés" in refused.content.decode()

    client.force_login(agent_valbourg)
    half = client.post(
        f"{BASE}/gestion/consultations/{consultation.slug}/guichet/",
        {"email": habitant_valbourg.email, "checks": ["identite"]},
    )
    assert half.status_code == 400 and "le domicile" in half.content.decode()
    done = client.post(
        f"{BASE}/gestion/consultations/{consultation.slug}/guichet/",
        {"email": habitant_valbourg.email, "checks": ["identite", "domicile"]},
    )
    assert done.status_code == 302
    assert AuditEntry.objects.filter(action="consultation.respondent.verify", channel="guichet").exists()
    with pytest.raises(PermissionDenied):
        services.respondent_verify_at_counter(
            commune=valbourg,
            actor=agent_hautmesnil,
            consultation=consultation,
            person=habitant_valbourg,
            checks=["identite", "domicile"],
        )

    client.force_login(habitant_valbourg)
    assert (
        client.post(f"{BASE}/consultations/{consultation.slug}/", post_data(q, good_answers(q))).status_code
        == 302
    )


def test_anonymous_answers_cannot_be_joined_to_the_person(valbourg, agent_valbourg, habitant_valbourg):
    consultation, q = make_consultation(valbourg, agent_valbourg, audience="compte")
    respondent = services.consultation_answer(
        commune=valbourg, consultation=consultation, person=habitant_valbourg, answers=good_answers(q)
    )
    sheet = AnswerSheet.objects.get()
    assert respondent.sheet_token == ""
    assert {f.name for f in AnswerSheet._meta.get_fields()} == {
        "id",
        "consultation",
        "token",
        "channel",
        "answers",
    }
    assert sheet.token not in str(Respondent.objects.values().get())
    assert selectors.named_answers(consultation=consultation) == []

    named, qn = make_consultation(
        valbourg, agent_valbourg, slug="nominative", audience="compte", anonymous=False
    )
    services.consultation_answer(
        commune=valbourg, consultation=named, person=habitant_valbourg, answers=good_answers(qn)
    )
    [(who, said)] = selectors.named_answers(consultation=named)
    assert who.person == habitant_valbourg and said[str(qn["scale"].pk)] == 4


def test_paper_questionnaires_entered_twice_with_one_discrepancy_reconciled(
    client, valbourg, agent_valbourg, admin_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    url = f"{BASE}/gestion/consultations/{consultation.slug}/papier/"
    for clerk in (agent_valbourg, admin_valbourg):
        client.force_login(clerk)
        for number in range(1, 11):
            single = 1 if (number == 7 and clerk == admin_valbourg) else 0  # the admin misreads n° 7
            response = client.post(
                url,
                {"action": "saisir", "paper_number": number, **post_data(q, good_answers(q, single=single))},
            )
            assert response.status_code == 302, response.content.decode()[:500]
    reconciliation = selectors.paper_reconciliation(consultation=consultation)
    assert [n for n, _e in reconciliation["mismatch"]] == [7]
    assert len(reconciliation["matching"]) == 9

    page = client.get(url).content.decode()
    assert "Questionnaire n° 7 : saisies divergentes" in page
    assert "Ce champ est obligatoire" not in page  # the empty entry form after the redirect is not an error
    assert "4 jours et demi" in page and "4 jours" in page
    agent_entry = PaperEntry.objects.get(paper_number=7, entered_by=agent_valbourg)
    adopted = client.post(url, {"action": "retenir", "entry": agent_entry.pk}, follow=True)
    assert "Questionnaire n° 7 rapproché" in adopted.content.decode()
    assert len(selectors.paper_reconciliation(consultation=consultation)["matching"]) == 10
    assert selectors.respondent_count(consultation=consultation)["paper"] == 10
    assert AuditEntry.objects.filter(action="consultation.paper.reconcile").count() == 1
    results = dict(selectors.consultation_results(consultation=consultation))
    assert results[q["single"]].counts[options(q["single"])[0]] == 10


def test_paper_entry_refuses_a_repeated_rank_and_keeps_earlier_entries(client, valbourg, agent_valbourg):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    url = f"{BASE}/gestion/consultations/{consultation.slug}/papier/"
    client.force_login(agent_valbourg)
    client.post(url, {"action": "saisir", "paper_number": 1, **post_data(q, good_answers(q))})
    bad = good_answers(q)
    first = options(q["ranking"])[1]
    bad[str(q["ranking"].pk)] = [first, first]
    response = client.post(url, {"action": "saisir", "paper_number": 2, **post_data(q, bad)})
    assert response.status_code == 400 and "« Garderie » est classé deux fois" in response.content.decode()
    assert list(PaperEntry.objects.values_list("paper_number", flat=True)) == [1]


def test_results_are_published_at_the_close_with_charts_tables_and_the_communes_answer(
    client, valbourg, agent_valbourg, elu_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    for i in range(3):
        services.consultation_answer(
            commune=valbourg,
            consultation=consultation,
            person=None,
            answers=good_answers(q, single=i % 2, long_text=f"Remarque {i}"),
            browser_key=f"navigateur-{i}",
        )
    assert client.get(f"{BASE}/consultations/{consultation.slug}/resultats/").status_code == 404
    with pytest.raises(ValidationError, match="une fois la consultation close"):
        services.consultation_decide(
            commune=valbourg, actor=elu_valbourg, consultation=consultation, decision="x"
        )

    consultation.closes_at = consultation.opens_at + (consultation.closes_at - consultation.opens_at) / 100
    consultation.save()
    page = client.get(f"{BASE}/consultations/{consultation.slug}/resultats/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 personnes ont répondu" in html
    assert html.count("<svg") >= 4  # single, multiple, ranking, scale charts
    assert "méthode de Borda" in html and "Note moyenne : 4,0 sur 5." in html
    assert "Remarque 1" not in html  # free texts are read by the mairie

    client.force_login(agent_valbourg)
    agent_page = client.get(f"{BASE}/gestion/consultations/{consultation.slug}/resultats/").content.decode()
    assert "Remarque 1" in agent_page
    export = client.get(f"{BASE}/gestion/consultations/{consultation.slug}/reponses-libres.csv")
    text = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv") and "Remarque 2" in text and ";" in text
    with pytest.raises(PermissionDenied):
        services.consultation_decide(
            commune=valbourg, actor=agent_valbourg, consultation=consultation, decision="x"
        )

    client.force_login(elu_valbourg)
    decided = client.post(
        f"{BASE}/gestion/consultations/{consultation.slug}/resultats/",
        {"decision": "Nous passons à 4 jours et demi, comme la majorité l'a demandé."},
    )
    assert decided.status_code == 302
    public = client.get(f"{BASE}/consultations/{consultation.slug}/resultats/").content.decode()
    assert "Ce que nous avons décidé et pourquoi" in public and "comme la majorité l&#x27;a demandé" in public


def test_an_agent_builds_a_questionnaire_with_an_illustrated_choice(client, valbourg, agent_valbourg):
    client.force_login(agent_valbourg)
    created = client.post(
        f"{BASE}/gestion/consultations/nouvelle/",
        {
            "title": "Place de l'église",
            "slug": "place-eglise",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T18:00",
            "audience": "compte",
            "anonymous": "on",
        },
    )
    assert created.status_code == 302
    manage = f"{BASE}/gestion/consultations/place-eglise/"
    client.post(
        manage, {"action": "question", "kind": "illustre", "label": "Quel aménagement ?", "required": "on"}
    )
    consultation = selectors.consultation_get(commune=valbourg, slug="place-eglise", include_drafts=True)
    question = consultation.questions.get()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(buffer, "PNG")
    no_alt = client.post(
        manage,
        {
            "action": "option",
            "question": question.pk,
            "label": "Une place arborée",
            "image": SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"),
        },
    )
    assert no_alt.status_code == 400 and "description de ce qu" in no_alt.content.decode()
    for label in ("Une place arborée", "Un parking paysager"):
        response = client.post(
            manage,
            {
                "action": "option",
                "question": question.pk,
                "label": label,
                "image_alt": f"Dessin : {label}",
                "image": SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"),
            },
        )
        assert response.status_code == 302
    option = question.options.first()
    client.logout()
    assert client.get(f"{BASE}/illustrations/{option.pk}/").status_code == 404  # not published yet
    client.force_login(agent_valbourg)
    assert client.post(manage, {"action": "publier"}).status_code == 302
    client.logout()
    image = client.get(f"{BASE}/illustrations/{option.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client.get(f"/hautmesnil/participation/illustrations/{option.pk}/").status_code == 404
    consultation.refresh_from_db()
    assert consultation.published and question.options.count() == 2


def test_another_communes_agent_is_refused(
    client, valbourg, hautmesnil, agent_valbourg, agent_hautmesnil, habitant_valbourg
):
    consultation, q = make_consultation(valbourg, agent_valbourg)
    client.force_login(agent_hautmesnil)
    assert client.get(f"{BASE}/gestion/").status_code == 403
    assert client.get(f"{BASE}/gestion/consultations/{consultation.slug}/papier/").status_code == 403
    assert (
        client.get(f"/hautmesnil/participation/gestion/consultations/{consultation.slug}/").status_code == 404
    )
    with pytest.raises((PermissionDenied, NotOwned)):
        services.paper_entry_record(
            commune=valbourg, actor=agent_hautmesnil, consultation=consultation, paper_number=1, answers={}
        )
    with pytest.raises(NotOwned):
        services.consultation_answer(
            commune=hautmesnil,
            consultation=consultation,
            person=None,
            answers=good_answers(q),
            browser_key="k",
        )
    client.force_login(habitant_valbourg)
    assert client.get(f"{BASE}/gestion/consultations/{consultation.slug}/").status_code == 403


def test_answers_without_account_are_capped_per_address(valbourg, agent_valbourg):
    from beffroi.core.abuse import RateLimited
    from beffroi.participation.services.consultations import ANONYMOUS_ANSWERS_PER_HOUR

    consultation, q = make_consultation(valbourg, agent_valbourg)
    for i in range(ANONYMOUS_ANSWERS_PER_HOUR):
        services.consultation_answer(
            commune=valbourg,
            consultation=consultation,
            person=None,
            answers=good_answers(q),
            browser_key=f"b{i}",
            client="adresse",
        )
    with pytest.raises(RateLimited):
        services.consultation_answer(
            commune=valbourg,
            consultation=consultation,
            person=None,
            answers=good_answers(q),
            browser_key="autre",
            client="adresse",
        )
    services.consultation_answer(
        commune=valbourg,
        consultation=consultation,
        person=None,
        answers=good_answers(q),
        browser_key="x",
        client="voisin",
    )
    assert AnswerSheet.objects.filter(consultation=consultation).count() == ANONYMOUS_ANSWERS_PER_HOUR + 1


def _notice(page: str) -> str:
    """The paragraph under the title that says who may answer and what the mairie will know."""
    main = page.split("<main")[1]
    return " ".join(
        re.search(r"<p>([^<]*(?:anonyme|sans compte|Réservée)[^<]*)</p>", main, re.S).group(1).split()
    )


@pytest.mark.parametrize(
    ("audience", "anonymous", "signed_in", "said"),
    [
        (
            "tous",
            True,
            False,
            "Vos réponses sont anonymes : vous répondez sans compte, la mairie ne sait pas qui vous êtes et "
            "personne ne peut relier vos réponses à vous.",
        ),
        (
            "tous",
            False,
            False,
            "Vous répondez sans compte : la mairie lira vos réponses sans savoir qui vous êtes.",
        ),
        (
            "tous",
            True,
            True,
            "Vos réponses sont anonymes : la mairie saura que vous avez répondu, jamais ce que vous avez répondu.",
        ),
        (
            "compte",
            True,
            False,
            "Vos réponses sont anonymes : la mairie saura que vous avez répondu, jamais ce que vous avez répondu.",
        ),
        (
            "compte",
            False,
            True,
            "Cette consultation n'est pas anonyme : la mairie peut lire qui a répondu quoi.",
        ),
    ],
)
def test_the_page_says_what_the_mairie_will_know_of_an_answer(
    client, valbourg, agent_valbourg, habitant_valbourg, audience, anonymous, signed_in, said
):
    """Review: « la mairie sait qui a répondu » stood beside « Ouverte à tous, sans compte »: without an account
    nobody is named (`Respondent.person` stays empty), so the sentence follows the audience and the visitor."""
    make_consultation(valbourg, agent_valbourg, audience=audience, anonymous=anonymous)
    if signed_in:
        client.force_login(habitant_valbourg)
    notice = _notice(client.get(f"{BASE}/consultations/horaires-ecole/").content.decode())
    assert notice.startswith(said)
    assert "la mairie sait qui a répondu" not in notice


def test_the_demo_consultation_offers_the_sketches_its_text_announces(client, valbourg, agent_valbourg):
    from beffroi.participation import demo

    demo._open_consultation(valbourg, agent_valbourg)
    page = client.get(f"{BASE}/consultations/place-eglise/").content.decode()
    question = selectors.question_list(
        consultation=selectors.consultation_get(commune=valbourg, slug="place-eglise")
    )[0]
    offered = re.findall(rf'name="q{question.pk}" value="\d+"', page)
    assert "Deux esquisses ont été préparées" in page and len(offered) == 2
    assert "Trois esquisses" not in page
    assert "la mairie ne sait pas qui vous êtes" in _notice(page)


def test_the_demo_decision_says_what_the_counted_results_show(valbourg, agent_valbourg, admin_valbourg):
    """The demo's closed consultation is answered by the élu in words (« sport et jardinage, les deux plus
    demandées », « la garderie du soir, deuxième priorité »): the counted answers must say the same."""
    from beffroi.participation import demo

    elu = member(valbourg, "elu", "elu-demo@valbourg.test")
    demo._closed_consultation(valbourg, agent_valbourg, admin_valbourg, elu)
    consultation = selectors.consultation_get(commune=valbourg, slug="rythmes-scolaires")
    results = {
        question.label: (question, result)
        for question, result in selectors.consultation_results(consultation=consultation)
    }
    names = {o.pk: o.label for q, _r in results.values() for o in q.options.all()}

    _q, week = results["Quelle semaine préférez-vous pour les enfants ?"]
    four_days = max(week.counts, key=week.counts.get)
    assert (
        names[four_days] == "Quatre jours" and week.counts[four_days] / week.answered > 0.6
    )  # « une large majorité »
    _q, activities = results["Quelles activités périscolaires souhaitez-vous ?"]
    top_two = sorted(activities.counts, key=activities.counts.get, reverse=True)[:2]
    assert {names[pk] for pk in top_two} == {"Sport", "Jardinage"}
    _q, priorities = results["Classez ces priorités pour l'école"]
    ranked = [names[pk] for pk in sorted(priorities.borda, key=priorities.borda.get, reverse=True)]
    assert ranked[:2] == ["Cantine bio", "Garderie du soir"]
    decision = consultation.decision
    assert "sport et de jardinage, les deux plus demandées" in decision
    assert "deuxième priorité après la cantine bio" in decision and "14 mai" not in decision
