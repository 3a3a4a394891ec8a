"""Searching the way people type (``core.search``): case and accents ignored, on SQLite and on PostgreSQL (the
PostgreSQL suite runs these too), in a text column and in a JSON key; a typed « % » or « _ » is a character."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.accounts.models import User
from beffroi.core.models import AuditEntry
from beffroi.core.search import contains_text, contains_words
from beffroi.core.text import ACCENTED, fold
from tests.factories import UserFactory


def test_fold_lowers_and_drops_accents_and_ligatures_only():
    assert fold("Hélène CŒUR-d'Ægide, 50 % ?") == "helene coeur-d'aegide, 50 % ?"
    assert fold(ACCENTED).isascii()


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["helene", "HÉLÈNE", "Hélène", "hÉlÈnE", "coeur", "CŒUR", "lène cœ"])
def test_a_name_is_found_however_it_is_typed(typed):
    helene = UserFactory(full_name="Hélène Cœur", email="h.coeur@example.fr")
    UserFactory(full_name="Helmut Klein", email="hk@example.fr")
    assert list(User.objects.filter(contains_text(["full_name"], typed))) == [helene]


@pytest.mark.django_db
def test_percent_and_underscore_are_plain_characters():
    UserFactory(full_name="Agnès", email="agnes@example.fr")
    underscore = UserFactory(full_name="Bruno", email="b_r@example.fr")
    assert list(User.objects.filter(contains_text(["email"], "%"))) == []
    assert list(User.objects.filter(contains_text(["email"], "b_r"))) == [underscore]


@pytest.mark.django_db
def test_each_word_in_one_of_the_fields_of_a_json_document(valbourg):
    def entry(first, last, email):
        data = {"first_name": first, "last_name": last}
        return AuditEntry.objects.create(commune=valbourg, action="test", data=data, actor_label=email)

    fournier = entry("Élodie", "Fournier", "elodie@example.fr")
    entry("Élodie", "Marchand", "em@example.fr")
    fields = ["data__first_name", "data__last_name", "actor_label"]
    assert list(AuditEntry.objects.filter(contains_words(fields, "ELODIE fournier"))) == [fournier]
    assert AuditEntry.objects.filter(contains_words(fields, "elodie")).count() == 2
    # The JSON key is read as text: its quotes are not part of the name.
    assert AuditEntry.objects.filter(contains_words(fields, '"Fournier"')).count() == 0
