"""Démarches, as judged: a resident on a phone-sized window (JavaScript on, then off) files « inscription
cantine » for two children, gets the accusés, answers a request for a piece and sees the decision; the agent
handles it. axe-core (WCAG 2.1 A/AA) on every page of the walk; no horizontal scroll at 390 px."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import login, run_axe, with_axe

PHONE = {"width": 390, "height": 844}
D = "/valbourg/demarches"


def _check(page, seen: dict[str, list], *, javascript: bool = True) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
    if not javascript:
        return  # axe is a script: it audits the same pages in the walk with JavaScript
    violations = run_axe(page)
    if violations:
        seen[page.url] = violations


def _file(browser, base: str, tmp_path: Path, *, javascript: bool) -> tuple[str, str]:
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR", viewport=PHONE)
    if javascript:
        with_axe(context)
    page = context.new_page()
    seen: dict[str, list] = {}
    proof = tmp_path / "domicile.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n")
    page.goto(f"{base}{D}/")
    _check(page, seen, javascript=javascript)
    page.click("text=Inscription à la cantine et au périscolaire")
    _check(page, seen, javascript=javascript)
    page.click("button:has-text('Commencer la demande')")
    page.fill("#champ-last_name", "Martin")
    page.fill("#champ-first_name", "Jeanne")
    page.fill("#champ-email", "jeanne@exemple")
    page.fill("#champ-address-street", "3 rue des Lilas")
    page.fill("#champ-address-postcode", "21990")
    page.fill("#champ-address-city", "Valbourg")
    page.click("button:has-text('Continuer')")
    assert "adresse électronique valide" in page.inner_text(".error-summary")
    if javascript:  # the summary has the focus: a screen reader starts from what to correct
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    _check(page, seen, javascript=javascript)
    page.fill("#champ-email", "jeanne.martin@exemple.fr")
    page.click("button:has-text('Continuer')")
    for row, (first, born, level) in enumerate((("Léa", "2017-05-12", "cp"), ("Tom", "2019-01-31", "ps"))):
        if row:
            page.click("button:has-text('Ajouter : Enfant')")
        page.fill(f"#champ-enfants-{row}-prenom", first)
        page.fill(f"#champ-enfants-{row}-nom", "Martin")
        page.fill(f"#champ-enfants-{row}-naissance", born)
        page.select_option(f"#champ-enfants-{row}-ecole", label="École élémentaire Jules-Ferry")
        page.check(f"input[name=enfants-{row}-classe][value={level}]")
        page.check(f"input[name=enfants-{row}-regime_alimentaire][value=standard]")
    _check(page, seen, javascript=javascript)
    page.click("button:has-text('Continuer')")
    creneaux = page.locator("#champ-periscolaire_creneaux")
    if javascript:
        assert not creneaux.is_visible()  # shown only once « Oui » is ticked
    page.check("input[name=jours_cantine][value=lundi]")
    page.check("input[name=periscolaire][value=oui]")
    assert creneaux.is_visible()
    page.check("input[name=periscolaire_creneaux][value=soir]")
    page.set_input_files("#champ-justificatif_domicile", str(proof))
    _check(page, seen, javascript=javascript)
    page.click("button:has-text('Continuer')")
    summary = page.inner_text("main")
    assert "Léa" in summary and "Tom" in summary and "Soir" in summary
    _check(page, seen, javascript=javascript)
    page.click("button:has-text('Envoyer ma demande')")
    receipt = page.inner_text("main")
    for mention in (
        "Accusé d'enregistrement électronique",
        "Accusé de réception",
        "Reçue le",
        "Service en charge",
        "Adresse postale",
        "Courriel",
        "Téléphone",
        "réputée acceptée le",
        "Voies et délais de recours",
    ):
        assert mention in receipt, mention
    _check(page, seen, javascript=javascript)
    code = page.inner_text(".procedures-code").split(":")[-1].strip()
    pdf = page.request.get(page.url.replace("/accuse/", "/accuse.pdf"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    track = page.url.replace("accuse/", "")
    assert seen == {}, seen
    context.close()
    return code, track


def test_resident_files_cantine_for_two_children_and_the_agent_decides(browser, demo_site, tmp_path):
    code_js, _ = _file(browser, demo_site, tmp_path, javascript=True)
    code, track = _file(browser, demo_site, tmp_path, javascript=False)
    assert code_js != code

    agent = with_axe(browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800}))
    page = agent.new_page()
    login(page, demo_site, "agent@demo.test")
    page.goto(f"{demo_site}{D}/gestion/?q={code}")
    assert run_axe(page) == []
    page.click(f"a:has-text('{code}')")
    assert "Léa" in page.inner_text("main") and "Tom" in page.inner_text("main")
    page.click("button:has-text('Prendre en instruction')")
    page.click("summary:has-text('demander des pièces')")
    page.fill("textarea[name=pieces]", "Le carnet de vaccination de Tom.")
    page.click("button:has-text('Demander les pièces')")
    assert "pièces attendues : le délai repartira à leur réception" in page.inner_text("main")
    assert run_axe(page) == []

    resident = browser.new_context(java_script_enabled=False, locale="fr-FR", viewport=PHONE)
    mine = resident.new_page()
    mine.goto(track)
    assert "Le carnet de vaccination de Tom." in mine.inner_text("main")
    proof = tmp_path / "carnet.pdf"
    proof.write_bytes(b"%PDF-1.4\n%%EOF\n")
    mine.fill("textarea[name=body]", "Voici le carnet.")
    mine.set_input_files("input[name=attachment]", str(proof))
    mine.click("button:has-text('Envoyer les pièces demandées')")
    assert "Message envoyé à la mairie." in mine.inner_text("main")

    page.reload()
    assert "Voici le carnet." in page.inner_text("main")
    page.click("summary:has-text('Décider')")
    page.check("input[name=outcome][value=accepte]")
    page.select_option("select[name=template]", label="Acceptation")
    page.fill("input[name=signatory]", "Le maire, Michel Roy")
    page.click("button:has-text('Enregistrer la décision')")
    assert "Décision enregistrée" in page.inner_text("main")

    mine.goto(track)
    assert "Décision : accepté" in mine.inner_text("main")
    audit = with_axe(browser.new_context(locale="fr-FR", viewport=PHONE)).new_page()
    audit.goto(track)
    assert run_axe(audit) == []  # the tracking page with its thread and its decision
    assert "Le maire, Michel Roy" in mine.inner_text("main")
    letter = mine.request.get(track + "decision.pdf")
    assert letter.ok and letter.body().startswith(b"%PDF")
    agent.close()
    resident.close()
