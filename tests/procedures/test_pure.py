"""The pure modules of the démarches: field checks, conditions, the JSON schema, the CRPA dates (no database)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.procedures import deadlines, fields, schema
from beffroi.procedures.deadlines import Pause, add_months, implicit_decision_date
from beffroi.procedures.fields import Context, FieldError, FileUpload, clean_value

CTX = Context(
    places={"12": "Salle des fêtes"}, communes={"75056": "Paris", "2A004": "Ajaccio"}, today=date(2026, 12, 3)
)


def check(field, *values):
    return clean_value({"key": "f", "label": "Champ", **field}, list(values), context=CTX)


def refused(field, *values):
    with pytest.raises(FieldError) as exc:
        check(field, *values)
    return exc.value


# --- field types --------------------------------------------------------------------------------------------


def test_required_and_empty():
    assert check({"type": "short_text"}, "  ") is None
    error = refused({"type": "short_text", "required": True}, " ")
    assert error.reason == "required"
    assert error.message() == "Répondez à « Champ »."


def test_texts_are_trimmed_and_limited():
    assert check({"type": "short_text"}, "  Jean   Dupont ") == "Jean Dupont"
    assert check({"type": "long_text"}, "ligne 1\nligne 2") == "ligne 1\nligne 2"
    assert "30 caractères" in refused({"type": "short_text", "max_length": 30}, "x" * 31).message()


def test_number_french_comma_bounds_and_unit():
    field = {"type": "number", "min": 1, "max": 120, "unit": "m²"}
    assert check(field, "12,5") == "12.5"
    assert check(field, "1 000".replace("1 000", "100")) == "100"
    assert refused(field, "douze").reason == "number"
    assert refused(field, "0,5").message() == "« Champ » doit être au moins 1 m²."
    assert refused(field, "121").message() == "« Champ » ne doit pas dépasser 120 m²."
    assert refused({"type": "number", "integer": True}, "2,5").reason == "integer"
    assert refused({"type": "number"}, "NaN").reason == "number"


def test_dates_french_or_iso_real_days_only():
    assert check({"type": "date"}, "29/02/2028") == "2028-02-29"
    assert check({"type": "date"}, "2026-12-31") == "2026-12-31"
    assert refused({"type": "date"}, "29/02/2027").reason == "date"
    assert refused({"type": "date"}, "31/04/2026").reason == "date"
    assert "JJ/MM/AAAA" in refused({"type": "date"}, "demain").message()
    assert refused({"type": "date", "min": "today"}, "02/12/2026").message() == (
        "« Champ » ne peut pas être avant le 3 décembre 2026."
    )


def test_a_date_answer_reads_in_words_on_the_summary_the_receipt_and_the_agents_page():
    assert fields.display_value({"type": "date"}, "2017-05-12") == "12 mai 2017"
    assert fields.display_value({"type": "date"}, "2027-03-01") == "1er mars 2027"


def test_yes_no_and_choices():
    assert check({"type": "yes_no"}, "oui") is True
    assert check({"type": "yes_no"}, "non") is False
    assert refused({"type": "yes_no"}, "peut-être").reason == "yes_no"
    choices = [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}, {"key": "c", "label": "C"}]
    assert check({"type": "choice", "choices": choices}, "b") == "b"
    assert refused({"type": "choice", "choices": choices}, "z").reason == "choice"
    assert check({"type": "multiple_choice", "choices": choices}, "c", "a", "c") == ["a", "c"]
    assert (
        refused({"type": "multiple_choice", "choices": choices, "max_choices": 1}, "a", "b").reason
        == "choices_max"
    )
    assert refused({"type": "multiple_choice", "choices": choices}, "a", "evil").reason == "choice"


def test_email():
    assert check({"type": "email"}, "Jeanne.Martin@Exemple.FR") == "Jeanne.Martin@exemple.fr"
    for bad in ("jeanne", "jeanne@", "@exemple.fr", "jeanne@exemple", "a b@exemple.fr"):
        assert refused({"type": "email"}, bad).reason == "email"


def test_phone_french_and_international():
    assert check({"type": "phone"}, "06 12 34 56 78") == "+33612345678"
    assert check({"type": "phone"}, "+32 2 512 34 56") == "+3225123456"
    assert check({"type": "phone"}, "0033 1 42 76 40 40") == "+33142764040"
    assert refused({"type": "phone"}, "06 12 34").reason == "phone"
    assert fields.phone_display("+33612345678") == "06 12 34 56 78"
    assert fields.phone_display("+3225123456").startswith("+32 2")


def test_company_and_association_numbers_through_stdnum():
    assert check({"type": "siret"}, "732 829 320 00074") == "73282932000074"
    assert (
        refused({"type": "siret"}, "73282932000075")
        .message()
        .startswith("« Champ » n'est pas un numéro SIRET")
    )
    assert check({"type": "siren"}, "732 829 320") == "732829320"
    assert refused({"type": "siren"}, "732829321").reason == "siren"
    assert check({"type": "rna"}, "w751234567") == "W751234567"
    assert check({"type": "rna"}, "W2A1000010") == "W2A1000010"
    for bad in ("751234567", "W75123456", "X751234567", "W75123456A"):
        assert refused({"type": "rna"}, bad).reason == "rna"


def test_bank_numbers_through_stdnum():
    assert check({"type": "iban"}, "fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert refused({"type": "iban"}, "FR7630006000011234567890188").reason == "iban"
    assert check({"type": "bic"}, "bnpafrpp") == "BNPAFRPP"
    assert refused({"type": "bic"}, "BNP").reason == "bic"
    assert (
        fields.display_value({"type": "iban"}, "FR7630006000011234567890189")
        == "FR76 3000 6000 0112 3456 7890 189"
    )


def test_place_and_commune_of_france():
    assert check({"type": "place"}, "12") == "12"
    assert refused({"type": "place"}, "13").reason == "place"
    assert check({"type": "commune"}, "2a004") == "2A004"
    assert refused({"type": "commune"}, "99999").reason == "commune"
    assert refused({"type": "commune"}, "Paris").reason == "commune"
    assert fields.display_value({"type": "commune"}, "75056", communes=CTX.communes) == "Paris (75056)"


def test_address_parts():
    field = {"key": "adresse", "label": "Adresse", "type": "address", "required": True}
    ok = fields.clean_address(
        field, {"street": ["3 rue  des Lilas"], "postcode": ["12 345"], "city": ["Valbourg"]}
    )
    assert ok == {"street": "3 rue des Lilas", "complement": "", "postcode": "12345", "city": "Valbourg"}
    with pytest.raises(FieldError) as exc:
        fields.clean_address(
            field, {"street": ["3 rue des Lilas"], "postcode": ["123"], "city": ["Valbourg"]}
        )
    assert exc.value.reason == "postcode"
    with pytest.raises(FieldError) as exc:
        fields.clean_address(field, {})
    assert exc.value.reason == "required"


def test_files_by_extension_size_and_content():
    field = {"key": "piece", "label": "Justificatif", "type": "file", "file_types": ["pdf"], "max_size_mb": 1}
    assert fields.clean_file(field, FileUpload("devis.PDF", 1000, b"%PDF-1.7")) == "pdf"
    with pytest.raises(FieldError) as exc:
        fields.clean_file(field, FileUpload("photo.png", 1000, b"\x89PNG\r\n\x1a\n"))
    assert exc.value.message() == "Le fichier joint à « Justificatif » doit être de type PDF."
    with pytest.raises(FieldError) as exc:
        fields.clean_file(field, FileUpload("gros.pdf", 2 * 1024 * 1024, b"%PDF-1.7"))
    assert exc.value.message() == "Le fichier joint à « Justificatif » dépasse 1 Mo."
    with pytest.raises(FieldError) as exc:
        fields.clean_file(field, FileUpload("virus.pdf", 100, b"MZ\x90\x00"))
    assert exc.value.reason == "file_content"


# --- the schema ---------------------------------------------------------------------------------------------

CANTINE = {
    "format": "beffroi.demarche",
    "format_version": 1,
    "title": "Inscription cantine",
    "applicant_kinds": ["particulier"],
    "regime": {"kind": "sva", "months": 2},
    "sections": [
        {
            "key": "famille",
            "title": "Famille",
            "fields": [
                {
                    "key": "allergie",
                    "type": "yes_no",
                    "label": "Un enfant a-t-il une allergie ?",
                    "required": True,
                },
                {
                    "key": "pai",
                    "type": "file",
                    "label": "Projet d'accueil individualisé",
                    "required": True,
                    "condition": {"field": "allergie", "equals": "oui"},
                },
                {
                    "key": "enfants",
                    "type": "repeat",
                    "label": "Enfants",
                    "min_rows": 1,
                    "max_rows": 6,
                    "fields": [
                        {"key": "prenom", "type": "short_text", "label": "Prénom", "required": True},
                        {"key": "naissance", "type": "date", "label": "Date de naissance", "required": True},
                    ],
                },
            ],
        },
        {
            "key": "periscolaire",
            "title": "Périscolaire",
            "condition": {"field": "allergie", "in": ["non"]},
            "fields": [{"key": "garderie", "type": "yes_no", "label": "Garderie du matin", "required": True}],
        },
    ],
}


def test_a_schema_survives_export_and_import():
    checked = schema.check(CANTINE)
    assert schema.check(copy.deepcopy(checked)) == checked
    assert checked["regime"] == {"kind": "sva", "months": 2}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.update(title=""), "pas de titre"),
        (lambda s: s.update(format_version=9), "Version de format"),
        (lambda s: s["sections"][0]["fields"][0].update(type="hologramme"), "type inconnu"),
        (lambda s: s["sections"][0]["fields"][1].update(key="allergie"), "déjà utilisée"),
        (
            lambda s: s["sections"][0]["fields"][1].update(condition={"field": "garderie", "equals": "oui"}),
            "placé avant",
        ),
        (
            lambda s: s["sections"][0]["fields"][1].update(
                condition={"field": "allergie", "equals": "peut-être"}
            ),
            "ne propose pas",
        ),
        (lambda s: s.update(regime={"kind": "sva", "months": 0}), "entre 1 et 24"),
        (
            lambda s: s["sections"][0]["fields"][2]["fields"].append(
                {
                    "key": "r",
                    "type": "repeat",
                    "label": "R",
                    "fields": [{"key": "x", "type": "short_text", "label": "X"}],
                }
            ),
            "un autre bloc",
        ),
    ],
)
def test_a_bad_schema_is_refused_in_french(change, words):
    broken = copy.deepcopy(CANTINE)
    change(broken)
    with pytest.raises(schema.SchemaError) as exc:
        schema.check(broken)
    assert any(words in problem for problem in exc.value.problems), exc.value.problems


def post(**values):
    return {name.replace("__", "-"): v if isinstance(v, list) else [v] for name, v in values.items()}


def test_two_children_and_a_hidden_section():
    checked = schema.check(CANTINE)
    result = schema.clean_answers(
        checked,
        post(
            allergie="non",
            enfants__rows="2",
            enfants__0__prenom="Léa",
            enfants__0__naissance="12/05/2018",
            enfants__1__prenom="Tom",
            enfants__1__naissance="2020-01-31",
            garderie="oui",
        ),
        context=CTX,
    )
    assert result.ok, [e.message() for e in result.errors]
    assert result.answers == {
        "allergie": False,
        "enfants": [
            {"prenom": "Léa", "naissance": "2018-05-12"},
            {"prenom": "Tom", "naissance": "2020-01-31"},
        ],
        "garderie": True,
    }


def test_a_hidden_field_is_neither_required_nor_stored_and_the_api_refuses_a_value_for_it():
    checked = schema.check(CANTINE)
    posted = post(
        allergie="oui", enfants__0__prenom="Léa", enfants__0__naissance="12/05/2018", garderie="oui"
    )
    result = schema.clean_answers(checked, posted, context=CTX)
    assert [e.key for e in result.errors] == ["pai"]  # shown now, and required
    assert "garderie" not in result.answers  # its section is hidden: the value sent is dropped
    strict = schema.clean_answers(checked, posted, context=CTX, strict=True)
    hidden = [e for e in strict.errors if e.reason == "hidden"]
    assert [e.key for e in hidden] == ["garderie"]
    assert "ne s'applique pas" in hidden[0].message()


def test_row_errors_name_the_row_and_a_tampered_row_count_is_refused():
    checked = schema.check(CANTINE)
    result = schema.clean_answers(
        checked,
        post(
            allergie="non",
            garderie="non",
            enfants__rows="2",
            enfants__1__prenom="Tom",
            enfants__1__naissance="30/02/2020",
        ),
        context=CTX,
    )
    assert [(e.key, e.reason) for e in result.errors] == [("enfants-1-naissance", "date")]
    tampered = schema.clean_answers(
        checked, post(allergie="non", garderie="non", enfants__rows="500"), context=CTX
    )
    assert [e.reason for e in tampered.errors] == ["rows_max"]
    none = schema.clean_answers(checked, post(allergie="non", garderie="non", enfants__rows="1"), context=CTX)
    assert [e.reason for e in none.errors] == ["rows_min"]
    draft = schema.clean_answers(checked, post(allergie="non", enfants__rows="1"), context=CTX, partial=True)
    assert draft.ok


def test_visible_fields_follow_the_answers():
    checked = schema.check(CANTINE)
    shown = schema.visible_fields(checked, {"allergie": True})
    assert [s["key"] for s, _ in shown] == ["famille"]
    assert [f["key"] for f in shown[0][1]] == ["allergie", "pai", "enfants"]


# --- CRPA dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 15), 2, date(2026, 3, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # from a leap day
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_months_are_counted_from_date_to_date(start, months, end):
    assert add_months(start, months) == end


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)), st.integers(min_value=0, max_value=36)
)
def test_add_months_lands_on_the_same_day_or_the_months_last(start, months):
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=1, max_value=24)
)
def test_a_later_start_never_gives_an_earlier_deadline(start, months):
    assert add_months(start + timedelta(days=1), months) >= add_months(start, months)


def test_regimes():
    received = date(2026, 12, 3)
    assert implicit_decision_date(received_on=received, regime="sva") == date(2027, 2, 3)
    assert implicit_decision_date(received_on=received, regime="svr", months=4) == date(2027, 4, 3)
    assert implicit_decision_date(received_on=received, regime="none") is None


def test_pieces_awaited_suspend_then_the_period_runs_again_from_their_reception():
    received = date(2026, 1, 10)
    waiting = [Pause(start=date(2026, 1, 20))]
    assert implicit_decision_date(received_on=received, regime="sva", pauses=waiting) is None
    answered = [Pause(start=date(2026, 1, 20), end=date(2026, 2, 5))]
    assert implicit_decision_date(received_on=received, regime="sva", pauses=answered) == date(2026, 4, 5)
    suspended = implicit_decision_date(received_on=received, regime="sva", pauses=answered, policy="suspend")
    assert suspended == date(2026, 3, 10) + timedelta(days=16)


def test_a_request_for_pieces_after_the_deadline_changes_nothing_and_two_requests_chain():
    received = date(2026, 1, 10)
    late = [Pause(start=date(2026, 4, 1), end=date(2026, 4, 20))]
    assert implicit_decision_date(received_on=received, regime="sva", pauses=late) == date(2026, 3, 10)
    twice = [Pause(date(2026, 1, 20), date(2026, 1, 31)), Pause(date(2026, 2, 10), date(2026, 12, 31))]
    assert implicit_decision_date(received_on=received, regime="svr", pauses=twice) == date(2027, 2, 28)


def test_reminders_window():
    today = date(2026, 12, 3)
    assert deadlines.is_near(date(2026, 12, 10), today)
    assert not deadlines.is_near(date(2026, 12, 11), today)
    assert not deadlines.is_near(date(2026, 12, 2), today)
    assert deadlines.days_left(None, today) is None


def test_every_field_message_and_identity_label_is_in_the_catalogue():
    from beffroi.procedures import messages

    assert sorted(messages.CATALOGUE) == sorted(fields.MESSAGES.values())
    labels = {item["label"] for items in schema.IDENTITY_FIELDS.values() for item in items}
    assert labels <= set(messages.IDENTITY_LABELS)


NAMES = st.sampled_from(
    [
        "allergie",
        "pai",
        "enfants-rows",
        "enfants-0-prenom",
        "enfants-0-naissance",
        "enfants-1-prenom",
        "enfants-3-naissance",
        "garderie",
        "inconnu",
        "enfants--rows",
        "enfants-x-prenom",
    ]
)


@given(
    st.dictionaries(NAMES, st.lists(st.text(max_size=30), max_size=3), max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_any_posted_form_is_answered_with_refusals_never_a_crash(posted, strict, partial):
    result = schema.clean_answers(schema.check(CANTINE), posted, context=CTX, strict=strict, partial=partial)
    for error in result.errors:
        assert error.reason in fields.MESSAGES
        assert error.message()  # every refusal has its French sentence
    assert set(result.answers) <= {"allergie", "pai", "enfants", "garderie"}


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.one_of(
            st.text(max_size=20), st.integers(), st.booleans(), st.lists(st.text(max_size=5), max_size=3)
        ),
        max_size=6,
    )
)
def test_json_answers_become_posted_lists_of_strings(answers):
    posted = schema.posted_from_json(schema.check(CANTINE), answers)
    assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in posted.values())
