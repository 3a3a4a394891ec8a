"""Icons per module and per report category: vendored from Tabler Icons (MIT) with the licence, only those used."""

import re
from pathlib import Path

from beffroi.core.icons import ICON_DIR, USED_ICONS, category_icon, icon_svg

ROOT = Path(__file__).resolve().parents[2]


def test_exactly_the_icons_used_are_vendored_with_the_licence():
    vendored = sorted(p.stem for p in ICON_DIR.glob("*.svg"))
    assert vendored == USED_ICONS
    assert "MIT License" in (ICON_DIR / "LICENSE").read_text()
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^TABLER_ICONS := (.+)$", makefile, re.M).group(1).split()
    assert sorted(listed) == USED_ICONS  # `make vendor` copies the same list


def test_an_icon_is_inline_hidden_from_screen_readers_and_takes_the_text_colour():
    svg = str(icon_svg("bulb"))
    assert svg.startswith('<svg class="icon" aria-hidden="true" focusable="false"')
    assert 'stroke="currentColor"' in svg and "<path" in svg
    assert str(icon_svg("../settings")) == "" and str(icon_svg("not-vendored")) == ""


def test_categories_find_their_icon_by_their_code():
    assert category_icon("eclairage") == "bulb"
    assert category_icon("nid-de-poule") == "road" and category_icon("depot-sauvage") == "trash"
    assert category_icon("ma-categorie") == "alert-triangle"


def test_the_main_menu_shows_each_modules_icon(client, valbourg):
    valbourg.enabled_modules = ["reports", "datahub"]
    valbourg.save()
    page = client.get("/valbourg/").content.decode()
    menu = page[page.index('class="main-nav"') :]
    assert menu.count('<svg class="icon" aria-hidden="true"') >= 2
