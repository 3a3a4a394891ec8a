"""The form builder's field editing and the decision letters' templates (edit, delete)."""

from __future__ import annotations

import html

import pytest

from beffroi.core.models import AuditEntry
from beffroi.procedures import builder, schema, services
from beffroi.procedures.models import DecisionTemplate, Dossier
from tests.procedures.test_instruction import file_dossier


def text(response):
    return html.unescape(response.content.decode())


def _field(demarche, key, draft=True):
    form = demarche.draft_schema if draft else demarche.current_version.schema
    found = builder.find(form, key)
    assert found is not None
    return found[0]


def test_editing_a_field_changes_the_draft_only_and_filed_dossiers_keep_their_version(
    client, valbourg, cantine, school, admin_valbourg
):
    old = file_dossier(valbourg, cantine, school)
    client.force_login(admin_valbourg)
    page = f"/valbourg/demarches/gestion/demarches/{cantine.pk}/"
    assert "/champ/quotient/" in text(client.get(page))
    url = f"{page}champ/quotient/"
    shown = text(client.get(url))
    assert "Quotient familial CAF" in shown and 'value="10000"' in shown
    assert "Type de fichiers" not in shown and "Choix proposés" not in shown  # only a number's options

    refused = client.post(url, {"label": "Quotient", "minimum": "500", "maximum": "10"})
    assert refused.status_code == 422 and "le minimum dépasse le maximum" in text(refused)
    refused = client.post(url, {"label": "", "maximum": "10"})
    assert refused.status_code == 422
    cantine.refresh_from_db()
    assert _field(cantine, "quotient")["label"] == "Quotient familial CAF"

    saved = client.post(
        url,
        {
            "label": "Quotient familial (CAF ou MSA)",
            "help": "Sur votre dernière attestation.",
            "required": "on",
            "minimum": "0",
            "maximum": "5000",
            "unit": "€",
            "condition": "periscolaire=oui",
        },
    )
    assert saved.status_code == 302 and saved["Location"].endswith("#champ-quotient")
    cantine.refresh_from_db()
    edited = _field(cantine, "quotient")
    assert edited["label"] == "Quotient familial (CAF ou MSA)" and edited["required"] is True
    assert (edited["max"], edited["unit"], edited["integer"]) == (5000, "€", True)  # `integer` kept
    assert edited["condition"] == {"field": "periscolaire", "equals": "oui"}
    assert _field(cantine, "quotient", draft=False)["label"] == "Quotient familial CAF"  # published: as was
    assert AuditEntry.objects.filter(action="procedures.demarche.form", commune=valbourg).exists()

    assert client.post(page, {"action": "publish"}).status_code == 302
    cantine.refresh_from_db()
    assert _field(cantine, "quotient", draft=False)["label"] == "Quotient familial (CAF ou MSA)"
    old.refresh_from_db()
    assert old.version.number == 1
    assert builder.find(old.version.schema, "quotient")[0]["label"] == "Quotient familial CAF"
    assert "Quotient familial CAF" in text(client.get(f"/valbourg/demarches/gestion/dossier/{old.pk}/"))


def test_editing_choices_keeps_their_keys_and_a_block_field_has_no_condition(
    client, valbourg, cantine, admin_valbourg
):
    client.force_login(admin_valbourg)
    page = f"/valbourg/demarches/gestion/demarches/{cantine.pk}/"
    saved = client.post(
        f"{page}champ/periscolaire_creneaux/",
        {
            "label": "Créneaux",
            "required": "on",
            "choices": "Soir (16 h 30 – 18 h 30)\nMidi",
            "condition": "periscolaire=oui",
        },
    )
    assert saved.status_code == 302
    cantine.refresh_from_db()
    assert _field(cantine, "periscolaire_creneaux")["choices"] == [
        {"key": "soir", "label": "Soir (16 h 30 – 18 h 30)"},
        {"key": "midi", "label": "Midi"},
    ]
    child = text(client.get(f"{page}champ/prenom/"))
    assert "Afficher seulement si" not in child and "Prénom" in child
    assert (
        client.post(
            f"{page}champ/prenom/", {"label": "Prénom de l'enfant", "required": "on", "maximum": "40"}
        ).status_code
        == 302
    )
    cantine.refresh_from_db()
    assert (
        _field(cantine, "prenom")["max_length"] == 40
        and _field(cantine, "prenom")["label"] == "Prénom de l'enfant"
    )
    assert client.post(page, {"action": "up", "key": "nom"}).status_code == 302
    cantine.refresh_from_db()
    block = _field(cantine, "enfants")
    assert [f["key"] for f in block["fields"]][:2] == ["nom", "prenom"]
    assert client.get(f"{page}champ/inconnu/").status_code == 404
    added = {"action": "add_field", "target": "services", "type": "explanation", "label": "Tarifs"}
    assert client.post(page, {**added, "text": "Les tarifs sont votés en juin."}).status_code == 302
    cantine.refresh_from_db()
    note = cantine.draft_schema["sections"][-1]["fields"][-1]
    assert note["type"] == "explanation"
    edit = client.post(
        f"{page}champ/{note['key']}/", {"label": "", "text": "Les tarifs changent en septembre."}
    )
    assert edit.status_code == 302
    cantine.refresh_from_db()
    assert _field(cantine, note["key"])["text"] == "Les tarifs changent en septembre."


def test_a_choice_a_condition_reads_cannot_be_removed():
    form = schema.check(
        {
            "title": "Essai",
            "sections": [
                {
                    "key": "s",
                    "title": "S",
                    "fields": [
                        {
                            "key": "genre",
                            "type": "choice",
                            "label": "Genre",
                            "choices": [
                                {"key": "a", "label": "A"},
                                {"key": "b", "label": "B"},
                                {"key": "c", "label": "C"},
                            ],
                        },
                        {
                            "key": "detail",
                            "type": "short_text",
                            "label": "Détail",
                            "condition": {"field": "genre", "equals": "b"},
                        },
                    ],
                }
            ],
        }
    )
    with pytest.raises(schema.SchemaError) as exc:
        builder.edit_field(
            form,
            key="genre",
            field={"label": "Genre", "choices": [{"key": "x", "label": "A"}, {"key": "y", "label": "C"}]},
        )
    assert "ne propose pas" in " ".join(exc.value.problems)
    with pytest.raises(schema.SchemaError):
        builder.edit_field(form, key="genre", field={"type": "short_text", "label": "Genre"})
    renamed = builder.edit_field(
        form,
        key="genre",
        field={"label": "Le genre", "choices": [{"key": "z", "label": "B"}, {"key": "q", "label": "A"}]},
    )
    assert [c["key"] for c in renamed["sections"][0]["fields"][0]["choices"]] == ["b", "a"]


def test_letter_templates_are_edited_and_deleted_and_sent_letters_keep_their_text(
    client, valbourg, cantine, school, admin_valbourg, agent_valbourg, habitant_valbourg
):
    template = DecisionTemplate.objects.get(commune=valbourg, outcome="accepte")
    dossier = file_dossier(valbourg, cantine, school)
    services.dossier_decide(
        dossier=dossier,
        actor=agent_valbourg,
        outcome="accepte",
        template=template,
        signatory="Le maire, Michel Roy",
    )
    dossier.refresh_from_db()
    sent = dossier.decision_text
    client.force_login(admin_valbourg)
    letters = "/valbourg/demarches/gestion/demarches/lettres/"
    assert f"lettres/{template.pk}/supprimer/" in text(client.get(letters))
    url = f"{letters}{template.pk}/"
    assert template.body[:30] in text(client.get(url))
    other = DecisionTemplate.objects.filter(commune=valbourg).exclude(pk=template.pk).first()
    clash = client.post(url, {"title": other.title, "outcome": "accepte", "body": "Bonjour"})
    assert clash.status_code == 422 and "Un autre modèle porte déjà ce titre" in text(clash)
    bad = client.post(url, {"title": "Accord", "outcome": "accepte", "body": "{{ inconnu }}"})
    assert bad.status_code == 422 and "Champ de fusion inconnu" in text(bad)
    ok = client.post(
        url,
        {
            "title": "Accord",
            "outcome": "accepte",
            "body": "Accord pour {{ demandeur }}.",
            "signatory": "Le maire",
        },
    )
    assert ok.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.signatory) == ("Accord", "Le maire")
    dossier.refresh_from_db()
    assert dossier.decision_text == sent

    confirm = text(client.get(f"{url}supprimer/"))
    assert "Supprimer le modèle «\u00a0Accord\u00a0»\u00a0?" in confirm
    assert DecisionTemplate.objects.filter(pk=template.pk).exists()  # a GET deletes nothing
    assert client.post(f"{url}supprimer/").status_code == 302
    assert not DecisionTemplate.objects.filter(pk=template.pk).exists()
    assert Dossier.objects.get(pk=dossier.pk).decision_text == sent
    assert client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/decision.pdf").status_code == 200
    assert AuditEntry.objects.filter(action="procedures.letter_template.delete").count() == 1
    client.force_login(habitant_valbourg)  # a resident builds nothing
    other_url = f"{letters}{other.pk}/supprimer/"
    assert client.post(other_url).status_code == 403
    assert DecisionTemplate.objects.filter(pk=other.pk).exists()
