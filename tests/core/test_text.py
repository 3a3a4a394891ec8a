"""core.text: the codes made from a label (a category's question codes, a démarche's field keys) and the
comparable form of typed text."""

from hypothesis import given
from hypothesis import strategies as st

from beffroi.core.text import code_from_label, normalise


def test_a_long_question_is_cut_between_two_words_never_inside_one():
    code = code_from_label("Le chemin est-il praticable à pied ?", set(), fallback="question")
    assert code == "le_chemin_est_il_praticable_a"
    assert code_from_label(
        "Le chemin est-il praticable pour une poussette ?", set(), fallback="question"
    ) == ("le_chemin_est_il_praticable")


def test_a_cut_code_stays_unique_as_before():
    label = "Le chemin est-il praticable à pied ?"
    taken = {"le_chemin_est_il_praticable_a"}
    assert code_from_label(label, taken, fallback="question") == "le_chemin_est_il_praticable_a_2"
    assert code_from_label(label, taken | {"le_chemin_est_il_praticable_a_2"}, fallback="question") == (
        "le_chemin_est_il_praticable_a_3"
    )


def test_a_single_word_longer_than_the_limit_is_cut_and_a_digit_gets_the_fallback_in_front():
    assert code_from_label("Anticonstitutionnellementissimement", set(), fallback="champ") == (
        "anticonstitutionnellementissim"
    )
    assert code_from_label("2 roues ou plus", set(), fallback="champ") == "champ_2_roues_ou_plus"
    assert code_from_label("« ? »", set(), fallback="champ") == "champ"


@given(st.text(max_size=120))
def test_every_code_is_short_starts_with_a_letter_and_never_ends_with_an_underscore(label):
    code = code_from_label(label, set(), fallback="question")
    assert 0 < len(code) <= 30
    assert code[0].isalpha() and not code.endswith("_") and "__" not in code


def test_normalise_spells_out_saint_and_drops_accents():
    assert normalise("Ste-Marie-lès-Œuvres") == "sainte marie les oeuvres"
