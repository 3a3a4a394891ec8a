"""The fragments cache: a piece is rendered once per key, a changed part or language renders it again."""

from django.utils import translation

from beffroi.core import fragments


def test_a_piece_is_rendered_once_per_key_and_again_when_a_part_changes():
    calls = []

    def render(label):
        def inner():
            calls.append(label)
            return f"<li>{label}</li>"

        return inner

    assert fragments.rendered("row", (1, "Voirie"), render("Voirie")) == "<li>Voirie</li>"
    assert fragments.rendered("row", (1, "Voirie"), render("Voirie")) == "<li>Voirie</li>"
    assert fragments.rendered("row", (1, "Éclairage"), render("Éclairage")) == "<li>Éclairage</li>"
    assert calls == ["Voirie", "Éclairage"]


def test_the_language_is_part_of_the_key():
    with translation.override("fr"):
        fr = fragments.rendered("row", (1,), lambda: translation.get_language())
    with translation.override("en"):
        en = fragments.rendered("row", (1,), lambda: translation.get_language())
    assert (fr, en) == ("fr", "en")


def test_many_pieces_keep_their_order_and_render_only_the_missing_ones():
    calls = []

    def render(item):
        calls.append(item)
        return item * 10

    assert fragments.rendered_many("n", [1, 2], lambda i: (i,), render) == [10, 20]
    assert fragments.rendered_many("n", [3, 2, 1], lambda i: (i,), render) == [30, 20, 10]
    assert calls == [1, 2, 3]
