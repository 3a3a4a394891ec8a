"""What a resident reads on their dossier's pages about the mairie's silence: a sentence with the date in words
(acceptance or refusal as the démarche's rule says), none once the mairie has decided."""

from __future__ import annotations

import html
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from beffroi.procedures import schema, services
from beffroi.procedures.models import Dossier

IDENTITY = {
    "last_name": ["Martin"],
    "first_name": ["Jeanne"],
    "email": ["jeanne.martin@example.org"],
    "address-street": ["3 rue des Lilas"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}
CANTINE = {
    "enfants-rows": ["1"],
    "enfants-0-prenom": ["Léa"],
    "enfants-0-nom": ["Martin"],
    "enfants-0-naissance": ["2017-05-12"],
    "enfants-0-classe": ["cp"],
    "enfants-0-regime_alimentaire": ["standard"],
    "jours_cantine": ["lundi"],
    "periscolaire": ["non"],
}
WRITING = {"objet": ["Haie"], "nature": ["reclamation"], "message": ["La haie déborde sur le chemin."]}
# A subsidy: a request of a financial character, on which silence is a rejection (CRPA L231-4 3°).
SUBSIDY = {
    "type_aide": ["fonctionnement"],
    "description_action": ["Entretien du lavoir."],
    "budget_total": ["2000"],
    "montant_demande": ["500"],
    "iban": ["FR76 3000 6000 0112 3456 7890 189"],
    "bic": ["BNPAFRPP"],
}
ASSOCIATION = {
    "association_name": ["Les Amis du Lavoir"],
    "rna": ["W212000789"],
    "last_name": ["Martin"],
    "first_name": ["Jeanne"],
    "email": ["jeanne.martin@example.org"],
}
ATTESTATION = {"type_document": ["residence"], "retrait": ["mairie"]}


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).replace("\xa0", " ").split())


def _pdf(name: str) -> dict[str, SimpleUploadedFile]:
    return {name: SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4\n%%EOF\n")}


def _file(valbourg, demarche, answers, files=None, kind="particulier") -> Dossier:
    dossier = services.dossier_start(commune=valbourg, demarche=demarche, actor=None, applicant_kind=kind)
    identity = ASSOCIATION if kind == "association" else IDENTITY
    assert services.dossier_save(dossier=dossier, posted=identity, identity=True, complete=True) == {}
    assert services.dossier_save(dossier=dossier, posted=answers, files=files or {}) == {}
    return services.dossier_submit(dossier=dossier, actor=None)


def _dated(dossier: Dossier, *, received: date, deadline: date | None) -> Dossier:
    """Fixed dates, so the page's words can be read against known ones (« 1er novembre », « 12 janvier »)."""
    Dossier.objects.filter(pk=dossier.pk).update(received_on=received, deadline=deadline)
    dossier.refresh_from_db()
    return dossier


def _pages(client, dossier: Dossier) -> tuple[str, str]:
    """The tracking page (private link) and the short page reached with the tracking code alone."""
    private = client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/")
    by_code = client.get(f"/valbourg/demarches/suivi/?code={dossier.display_code}")
    assert private.status_code == 200 and by_code.status_code == 200
    return text(private), text(by_code)


def test_the_tracking_pages_say_in_words_that_silence_means_acceptance_until_decided(
    client, valbourg, cantine, school, agent_valbourg
):
    answers = {**CANTINE, "enfants-0-ecole": [str(school.pk)]}
    dossier = _file(valbourg, cantine, answers, _pdf("justificatif_domicile"))
    dossier = _dated(dossier, received=date(2098, 11, 1), deadline=date(2099, 1, 12))
    sentence = (
        "Sans réponse de la mairie d'ici le 12 janvier 2099, votre demande sera considérée comme acceptée."
    )
    private, by_code = _pages(client, dossier)
    assert sentence in private and sentence in by_code
    assert "1er novembre 2098" in private  # received, in words
    assert "12/01/2099" not in private and "01/11/2098" not in private  # no numeric date left
    assert "Décision implicite le" not in by_code

    services.dossier_decide(
        dossier=dossier,
        actor=agent_valbourg,
        outcome="accepte",
        text="Votre demande est acceptée.",
        signatory="Le maire, Michel Roy",
    )
    private, by_code = _pages(client, dossier)
    assert "Sans réponse de la mairie" not in private and "Sans réponse de la mairie" not in by_code
    assert "Décision : acceptée" in private


def _subsidy(valbourg) -> Dossier:
    demarche = services.template_install(commune=valbourg, actor=None, code="subvention-association")
    return _file(valbourg, demarche, SUBSIDY, {**_pdf("budget"), **_pdf("rib")}, kind="association")


def test_when_silence_means_refusal_the_sentence_says_refused(client, valbourg):
    dossier = _dated(_subsidy(valbourg), received=date(2098, 11, 1), deadline=date(2099, 1, 1))
    private, by_code = _pages(client, dossier)
    sentence = (
        "Sans réponse de la mairie d'ici le 1er janvier 2099, votre demande sera considérée comme refusée."
    )
    assert sentence in private and sentence in by_code
    assert "considérée comme acceptée" not in private


def test_once_the_date_has_passed_the_sentence_says_what_the_silence_has_meant(client, valbourg):
    dossier = _dated(_subsidy(valbourg), received=date(2020, 1, 3), deadline=date(2020, 3, 3))
    private, by_code = _pages(client, dossier)
    for page in (private, by_code):
        assert "depuis le 3 mars 2020, votre demande est considérée comme refusée" in page
        assert "Vous pouvez lui demander les raisons de ce refus." in page
        assert "d'ici le 3 mars 2020" not in page  # never a date in the past as if still to come


def test_while_pieces_are_awaited_no_date_is_promised(client, valbourg, cantine, school, agent_valbourg):
    answers = {**CANTINE, "enfants-0-ecole": [str(school.pk)]}
    dossier = _file(valbourg, cantine, answers, _pdf("justificatif_domicile"))
    services.dossier_request_pieces(
        dossier=dossier, actor=agent_valbourg, pieces="Un justificatif de domicile."
    )
    private, by_code = _pages(client, dossier)
    assert "Sans réponse de la mairie" not in private and "Sans réponse de la mairie" not in by_code
    assert "Pièces demandées par la mairie" in private and "repartira de zéro à leur réception" in private
    assert "Le délai de réponse est arrêté tant que la mairie attend les pièces demandées." in by_code


def test_a_demarche_without_implicit_decision_says_the_mairie_answers_in_writing(client, valbourg):
    demarche = services.template_install(commune=valbourg, actor=None, code="attestation")
    dossier = _file(valbourg, demarche, ATTESTATION, _pdf("justificatif"))
    private, by_code = _pages(client, dossier)
    sentence = "Pour cette démarche, la mairie doit vous répondre par écrit : son silence ne vaut ni accord ni refus."
    assert sentence in private and sentence in by_code
    assert "Sans réponse de la mairie" not in private


def test_a_message_to_the_mairie_is_not_a_request_that_silence_decides(client, valbourg):
    """« Écrire à la mairie »: a question, a request for information or a complaint calls for an answer, not a
    decision; silence neither accepts nor rejects it (CRPA L231-1 and L231-4 are about demandes of a decision)."""
    demarche = services.template_install(commune=valbourg, actor=None, code="saisine-libre")
    dossier = _file(valbourg, demarche, WRITING)
    assert dossier.deadline is None
    private, by_code = _pages(client, dossier)
    sentence = "Pour cette démarche, la mairie doit vous répondre par écrit : son silence ne vaut ni accord ni refus."
    assert sentence in private and sentence in by_code
    assert (
        "aucune décision implicite : le silence de la mairie ne vaut ni accord ni refus" in private
    )  # accusé
    for page in (private, by_code):
        assert "refusée" not in page and "rejet" not in page and "réputée" not in page
    form = demarche.current_version.schema
    natures = {c["label"] for _s, f in schema.iter_fields(form) if f["key"] == "nature" for c in f["choices"]}
    assert "Une demande de décision" not in natures  # the démarche made for a decision says its own rule
    described = text(client.get(f"/valbourg/demarches/{demarche.slug}/"))
    assert "La mairie vous répondra par écrit." in described and "réputée" not in described


def test_the_certificate_is_named_as_the_commune_offers_it(client, valbourg):
    """Installing the template is the commune's choice to offer it: its page names the documents its form
    offers, without wondering whether the commune delivers them."""
    demarche = services.template_install(commune=valbourg, actor=None, code="attestation")
    page = text(client.get(f"/valbourg/demarches/{demarche.slug}/"))
    assert "dans les communes qui le délivrent" not in page
    offered = [
        c["label"]
        for _s, f in schema.iter_fields(demarche.current_version.schema)
        if f["key"] == "type_document"
        for c in f["choices"]
    ]
    for label in offered:
        named = label.lower().replace("autre attestation", "une autre attestation")
        assert named in page.lower(), label
