"""The look of the site is written once: colours are the tokens of the site's stylesheet, each app's stylesheet is
linked once by the app's base template, and punctuation that French spaces (« : ») stays inside translated strings.

These read the project's files (stylesheets and templates), not rendered pages: what they guard is visible on every
page at once, and the browser suite (tests/browser/) looks at the rendered result."""

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "beffroi"
SITE_SHEET = PACKAGE / "static" / "beffroi" / "beffroi.css"

# Colour functions of CSS Color 4/5 and the named colours of CSS Color 4 (§6.1). `transparent` and `currentColor`
# are not literals: they take no colour of their own.
COLOUR_FUNCTION = re.compile(r"\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix)\(", re.IGNORECASE)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")
NAMED_COLOURS = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown burlywood
    cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray
    darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue
    firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey honeydew
    hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray
    lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue
    mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred
    midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple
    rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue
    slateblue slategray slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white
    whitesmoke yellow yellowgreen""".split()  # noqa: SIM905 -- 148 quoted words would read worse
)


def project_stylesheets() -> list[Path]:
    """Every stylesheet the project ships, apps' and site's; vendored libraries are not ours to restyle."""
    sheets = [path for path in PACKAGE.rglob("*.css") if "vendor" not in path.relative_to(PACKAGE).parts]
    assert SITE_SHEET in sheets
    return sorted(sheets)


def declarations(css: str) -> list[tuple[str, str]]:
    """(innermost rule prelude, declaration block text) for every block of a stylesheet, at any nesting depth."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(
        r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", '""', css
    )  # a colour word inside content: "…" is text
    blocks, preludes, text = [], [], ""
    for char in css:
        if char == "{":
            if preludes:
                blocks.append((preludes[-1], text))
            preludes.append(text.strip().split(";")[-1].strip())
            text = ""
        elif char == "}":
            blocks.append((preludes.pop() if preludes else "", text))
            text = ""
        else:
            text += char
    return blocks


def colour_literals(declaration_block: str) -> list[str]:
    found = HEX_COLOUR.findall(declaration_block) + COLOUR_FUNCTION.findall(declaration_block)
    for declaration in declaration_block.split(";"):
        _, colon, value = declaration.partition(":")
        if colon:
            found += [word for word in re.findall(r"[a-zA-Z]+", value) if word.lower() in NAMED_COLOURS]
    return found


def is_root(prelude: str) -> bool:
    return {selector.strip() for selector in prelude.split(",")} == {":root"}


def test_the_checks_see_a_literal_colour():
    sample = (
        ":root { --ink: #111; }\n.a { color: #ff0000; }\n@media print { .b { border: 1px solid black } }\n"
    )
    sample += '.c { background: rgb(0 0 0 / 50%); } .d::after { content: "white"; color: var(--ink); }'
    found = {
        prelude: colour_literals(block) for prelude, block in declarations(sample) if colour_literals(block)
    }
    assert found == {":root": ["#111"], ".a": ["#ff0000"], ".b": ["black"], ".c": ["rgb("]}


@pytest.mark.parametrize("sheet", project_stylesheets(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_colour_is_a_token(sheet):
    """A colour written outside :root escapes the contrast checks written beside the tokens."""
    literals = [
        f"{prelude or '(top level)'}: {', '.join(found)}"
        for prelude, block in declarations(sheet.read_text(encoding="utf-8"))
        if not is_root(prelude) and (found := colour_literals(block))
    ]
    assert literals == [], f"{sheet.name}: colour literals outside :root (use a token of beffroi.css)"


def test_every_token_used_is_declared():
    """A misspelt var(--token) silently falls back to the inherited colour."""
    root_blocks = [
        block for prelude, block in declarations(SITE_SHEET.read_text(encoding="utf-8")) if is_root(prelude)
    ]
    declared = set(re.findall(r"(--[\w-]+)\s*:", "".join(root_blocks)))
    undeclared = {
        f"{sheet.name}: {name}"
        for sheet in project_stylesheets()
        for name in re.findall(r"var\(\s*(--[\w-]+)", sheet.read_text(encoding="utf-8"))
        if name not in declared
    }
    assert undeclared == set()


def app_templates() -> dict[str, list[Path]]:
    apps = {}
    for folder in sorted(PACKAGE.glob("*/templates/*")):
        if folder.is_dir() and folder.name == folder.parent.parent.name:  # beffroi/<app>/templates/<app>/
            apps[folder.name] = sorted(folder.rglob("*.html"))
    return apps


def test_each_app_links_its_stylesheet_once_from_its_base_template():
    """An app with a stylesheet has <app>/base.html, which links it; every page of the app extends that base, and no
    page links a stylesheet of its own (or another app's: shared rules live in the site's stylesheet). Printed
    documents extend print_base.html and link print-only stylesheets."""
    problems = []
    for app, templates in app_templates().items():
        sheet = PACKAGE / app / "static" / app / f"{app}.css"
        base = PACKAGE / app / "templates" / app / "base.html"
        expected_parent = f"{app}/base.html" if sheet.exists() else "base.html"
        if sheet.exists() != base.exists():
            problems.append(f"{app}: a stylesheet and no base template, or the reverse")
        if base.exists() and f"{{% static '{app}/{app}.css' %}}" not in base.read_text(encoding="utf-8"):
            problems.append(f"{app}/base.html does not link {app}/{app}.css")
        for template in templates:
            text = template.read_text(encoding="utf-8")
            name = template.relative_to(PACKAGE / app / "templates").as_posix()
            parent = re.search(r'\{% extends "([^"]+)" %\}', text)
            # a printed document (PDF) extends the shared print_base.html, with print-only stylesheets
            if template != base and parent and parent.group(1) not in (expected_parent, "print_base.html"):
                problems.append(f"{name} extends {parent.group(1)}, not {expected_parent}")
            for link in re.findall(r"<link rel=\"stylesheet\"[^>]*>", text):
                if template != base and 'media="print"' not in link and "vendor/" not in link:
                    problems.append(f"{name} links {link}")
    assert problems == []


TRANSLATED = re.compile(
    r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}|\{% translate (?:\"[^\"]*\"|'[^']*').*?%\}", re.S
)


def text_outside_translations(template: str) -> str:
    """The text a template writes itself: translated strings, template tags, variables and HTML tags taken out."""
    text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", template, flags=re.S)
    text = TRANSLATED.sub("T", text)
    text = re.sub(r"\{\{.*?\}\}", "V", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
    return re.sub(r"<[^>]*>", "", text)


def test_the_punctuation_check_sees_a_colon_outside_a_translation():
    assert re.search(r"[ \u00a0]:", text_outside_translations('<p>{% translate "Horaires" %} : {{ h }}</p>'))
    leak_free = '{% blocktranslate with h=h %}Horaires\u00a0: {{ h }}{% endblocktranslate %} <a href="{% url "a:b" %}">'
    assert not re.search(r"[ \u00a0]:", text_outside_translations(leak_free))


def test_french_spacing_before_a_colon_is_inside_a_translated_string():
    """« Horaires d'accueil : 9 h » must read "Opening hours: 9 am" in English, so a colon that French spaces is part
    of the translated sentence, never written by the template beside it."""
    leaks = []
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        text = text_outside_translations(path.read_text(encoding="utf-8"))
        leaks += [
            f"{path.relative_to(PACKAGE)}: …{text[max(0, m.start() - 30) : m.end()].strip()}"
            for m in re.finditer(r"(?:[ \u00a0]|&nbsp;):", text)
        ]
    assert leaks == []
