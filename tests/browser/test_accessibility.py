"""Every page of the site, as anonymous and as each role, passes axe-core (WCAG 2.1 A and AA).

The pages are found by crawling the demo site from the commune home page and the agents' space, so a page
added by any module is audited without being listed here. URLs of the same shape (ids, codes, members of
a catalogue) are drawn by the same template: one of each is visited.
"""

import hashlib
import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.browser.conftest import login, run_axe, with_axe

SKIP = re.compile(
    r"/(admin|api|open311|ngsi-ld|static|media|i18n)/|deconnexion|\.(json|csv|pb|xml|pdf|geojson|png|jpe?g)(\?|$)|/export"
)
EXTRA_PAGES = ["/", "/valbourg/page-qui-n-existe-pas/", "/valbourg/mot-de-passe-oublie/envoye/"]
MAX_PAGES = 150
VISITS_PER_SHAPE = 1
# The pages already audited in this session, by their HTML (forms' one-time tokens taken out): the same HTML,
# drawn with the same styles and scripts at the same size, gives the same verdict, so a public page that a
# later role receives byte for byte as an earlier one did is not audited twice. A failure was reported by the
# role that met it first.
AUDITED: set[str] = set()
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def shape(url: str, collections: set[str]) -> str:
    """The kind of page a URL is: ids and codes become <id>, members of a listed collection become <item>."""
    path = re.sub(r"/[0-9A-Z]{2,}[0-9A-Z-]*(?=/|$)|/\d+(?=/|$)", "/<id>", urlparse(url).path)
    parent, _, last = path.rstrip("/").rpartition("/")
    if parent in collections and last != "<id>":
        return parent + "/<item>"
    return path


def note_collections(hrefs: list[str], collections: set[str]) -> None:
    """A page that links to many siblings under one parent (a catalogue, a list) makes that parent a collection."""
    children: dict[str, set[str]] = {}
    for href in hrefs:
        parent, _, last = urlparse(href).path.rstrip("/").rpartition("/")
        children.setdefault(parent, set()).add(last)
    # a module's own pages (depth 2: /commune/module) are never folded together
    collections.update(p for p, names in children.items() if len(names) >= 6 and p.count("/") >= 3)


def sideways_scroll(page) -> list[dict]:
    """The page scrolls sideways (wider than the window): the elements that stick out, for the message."""
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        return []
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))
            .slice(-5).map(e => ({id: 'sideways-scroll', tag: e.tagName, class: e.className}))"""
    ) or [{"id": "sideways-scroll"}]


def axe_and_phone_width(page) -> list[dict]:
    """axe-core's violations at the context's size, then whether the page scrolls sideways at 390 × 844."""
    found = run_axe(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    found += sideways_scroll(page)
    page.set_viewport_size(size)
    return found


def crawl(page, base_url: str, starts: list[str], check=run_axe) -> dict[str, list[dict]]:
    queue = [urljoin(base_url, s) for s in starts + EXTRA_PAGES]
    seen_urls: set[str] = set()
    shapes: dict[str, int] = {}
    collections: set[str] = set()
    violations: dict[str, list[dict]] = {}
    while queue and len(seen_urls) < MAX_PAGES:
        url = queue.pop(0).split("#")[0]
        if url in seen_urls or SKIP.search(url):
            continue
        key = shape(url, collections) + ("?" if "?" in url else "")
        if shapes.get(key, 0) >= VISITS_PER_SHAPE:
            continue
        shapes[key] = shapes.get(key, 0) + 1
        seen_urls.add(url)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if response.status >= 500:  # the error page would pass axe: the page itself is broken
            violations[url] = [{"id": "server-error", "status": response.status}]
            continue
        digest = hashlib.blake2b(TOKEN.sub(b"", response.body()), digest_size=16).hexdigest()
        found = [] if digest in AUDITED else check(page)
        AUDITED.add(digest)
        if found:
            violations[url] = found
        hrefs = [
            h
            for h in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            if h.startswith(base_url)
        ]
        note_collections(
            page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)"), collections
        )
        for href in hrefs:
            if href not in seen_urls:
                queue.append(href)
    assert len(seen_urls) > 5, "the crawler found almost nothing"
    return violations


@pytest.mark.parametrize(
    "email",
    [None, "habitant@demo.test", "agent@demo.test", "elu@demo.test", "admin@demo.test"],
    ids=["anonyme", "habitant", "agent", "elu", "admin"],
)
def test_every_page_passes_axe_and_fits_a_phone(browser, demo_site, email):
    """Each page found, for anonymous and each role: axe-core at 1280 px, then the same page narrowed to a 390 px
    phone must not scroll sideways (wide tables stack or scroll inside their own region, long words and
    addresses wrap: the agents' queue was 451 px wide). One visit per page for both checks."""
    context = with_axe(
        browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 1280, "height": 900})
    )
    page = context.new_page()
    starts = ["/valbourg/"]
    if email:
        login(page, demo_site, email)
        starts += ["/valbourg/compte/", "/valbourg/espace-agents/"]
    else:
        starts += ["/valbourg/connexion/", "/valbourg/inscription/", "/hautmesnil/"]
    violations = crawl(page, demo_site, starts, check=axe_and_phone_width)
    context.close()
    assert violations == {}


def test_form_errors_pass_axe(browser, demo_site):
    page = browser.new_page(locale="fr-FR", bypass_csp=True)
    page.goto(f"{demo_site}/valbourg/connexion/")
    page.fill("#id_username", "agent@demo.test")
    page.fill("#id_password", "pas-le-bon")
    page.click("main button[type=submit]")
    assert "incorrect" in page.inner_text("main")
    assert run_axe(page) == []
    page.goto(f"{demo_site}/valbourg/inscription/")
    page.click("main button[type=submit]")
    assert run_axe(page) == []
    page.close()


def test_phone_sized_screen_passes_axe_and_has_no_horizontal_scroll(browser, demo_site):
    context = browser.new_context(
        bypass_csp=True, locale="fr-FR", viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    for path in ("/valbourg/", "/valbourg/connexion/", "/valbourg/accessibilite"):
        page.goto(demo_site + path)
        assert run_axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    context.close()
