"""Citizen participation in headless Chromium: a resident answers a consultation on a phone with JavaScript off,
two agents enter paper questionnaires twice with one discrepancy and reconcile it, an élu finds the late answer;
the module's pages pass axe-core (WCAG 2.1 A/AA) without horizontal scrolling at 390 px."""

from tests.browser.conftest import login, run_axe

BASE = "/valbourg/participation"


def _phone(browser, javascript=True):
    return browser.new_context(
        bypass_csp=True,
        java_script_enabled=javascript,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
    )


def test_a_resident_answers_a_consultation_on_a_phone_without_javascript(browser, demo_site):
    context = _phone(browser, javascript=False)
    page = context.new_page()
    page.goto(demo_site + BASE + "/")
    page.click("main >> text=Réaménager la place de l'Église")
    page.click("main button:has-text('Envoyer mes réponses')")  # nothing chosen: refused, said per question
    assert "Vos réponses ne sont pas enregistrées" in page.inner_text("main")
    page.locator("main input[type=radio]").first.check()
    page.locator("main input[type=radio][value='4']").check()
    page.fill("main input[type=text]", "Rue du Moulin")
    page.click("main button:has-text('Envoyer mes réponses')")
    assert "vos réponses sont enregistrées" in page.inner_text("h1")
    page.goto(demo_site + BASE + "/consultations/place-eglise/")
    assert "Vous avez déjà répondu" in page.inner_text("main")
    page.goto(demo_site + BASE + "/consultations/rythmes-scolaires/resultats/")
    assert "Ce que nous avons décidé et pourquoi" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_paper_questionnaires_entered_twice_then_reconciled(browser, demo_site):
    url = demo_site + BASE + "/gestion/consultations/place-eglise/papier/"
    for email, misread in (("agent@demo.test", None), ("admin@demo.test", 3)):
        context = browser.new_context(bypass_csp=True, locale="fr-FR")
        page = context.new_page()
        login(page, demo_site, email)
        for number in range(1, 11):
            page.goto(url)
            page.fill("#id_paper_number", str(number))
            page.locator("main form input[type=radio]").nth(1 if number == misread else 0).check()
            page.locator("main form input[type=radio][value='3']").check()
            page.click("main button[value=saisir]")
        context.close()
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    login(page, demo_site, "agent@demo.test")
    page.goto(url)
    assert "Questionnaire n° 3 : saisies divergentes" in page.inner_text("main")
    assert "9 questionnaires saisis deux fois à l'identique" in page.inner_text("main")
    page.click("main button[value=retenir]")
    assert "10 questionnaires saisis deux fois à l'identique" in page.inner_text("main")
    assert "Aucune saisie divergente." in page.inner_text("main")
    context.close()


def test_the_elu_sees_the_late_answer_and_the_pages_pass_axe(browser, demo_site):
    context = _phone(browser)
    page = context.new_page()
    login(page, demo_site, "elu@demo.test")
    page.goto(demo_site + BASE + "/gestion/")
    page.click("main >> text=Voir les réponses en retard")
    assert "Des bancs le long de la voie verte" in page.inner_text("main")
    found = {}
    for path in (
        "/",
        "/consultations/place-eglise/",
        "/consultations/rythmes-scolaires/resultats/",
        "/propositions/",
        "/reunions/",
        "/panels/panel-mobilites/",
        "/panels/panel-mobilites/tirage/",
        "/gestion/",
        "/gestion/propositions/en-retard/",
        "/gestion/consultations/rythmes-scolaires/resultats/",
        "/gestion/panels/panel-mobilites/",
    ):
        page.goto(demo_site + BASE + path)
        violations = run_axe(page)
        if violations or page.evaluate("document.documentElement.scrollWidth") > 390:
            found[path] = violations or "horizontal scroll"
    assert not found, found
    context.close()
