"""« Mon espace »: after signing in each member lands on what needs their attention, not the public home."""

from tests.factories import PASSWORD, member


def sign_in(client, email):
    response = client.post("/valbourg/connexion/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def test_each_role_lands_on_its_own_page(client, valbourg, agent_valbourg, admin_valbourg, habitant_valbourg):
    valbourg.enabled_modules = ["reports", "datahub", "planning", "budgeting"]
    valbourg.save()
    assert sign_in(client, agent_valbourg.email) == "/valbourg/mon-espace/"
    agent = client.get("/valbourg/mon-espace/").content.decode()
    assert "Signalements à traiter" in agent and "en retard dans la commune" in agent
    assert "Votre rôle : <strong>agent·e</strong>" in agent or "Votre rôle : <strong>agent</strong>" in agent
    assert "Alertes des capteurs" in agent and "Dossiers de financement" not in agent
    assert "La commune dans Beffroi" not in agent

    client.logout()
    sign_in(client, admin_valbourg.email)
    admin = client.get("/valbourg/mon-espace/").content.decode()
    assert "La commune dans Beffroi" in admin and "/valbourg/espace-agents/administration/" in admin

    client.logout()
    elu = member(valbourg, "elu", "elu@valbourg.test")
    sign_in(client, elu.email)
    page = client.get("/valbourg/mon-espace/").content.decode()
    assert "Dossiers de financement à déposer" in page and "Signalements des habitants" in page
    assert "Signalements à traiter" not in page

    client.logout()
    sign_in(client, habitant_valbourg.email)
    resident = client.get("/valbourg/mon-espace/").content.decode()
    assert "Mon activité dans la commune" in resident and "Mes notifications" in resident
    assert "Votre rôle" not in resident  # a resident has no « rôle » to be told of
    assert "Ce qui demande votre attention" not in resident and "Alertes des capteurs" not in resident


def test_a_module_switched_off_is_not_on_anyones_landing_page(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    valbourg.enabled_modules = ["datahub"]  # reports, démarches, participation and the budget switched off
    valbourg.save()
    sign_in(client, agent_valbourg.email)
    agent = client.get("/valbourg/mon-espace/").content.decode()
    assert "Alertes des capteurs" in agent
    assert "Signalements à traiter" not in agent
    for news in ("La suite de mes signalements", "Mes démarches en ligne", "La participation :"):
        assert news not in agent
    assert "Aucun service de la commune ne vous envoie de nouvelles" in agent

    valbourg.enabled_modules = ["reports"]
    valbourg.save()
    client.logout()
    sign_in(client, habitant_valbourg.email)
    resident = client.get("/valbourg/mon-espace/").content.decode()
    assert "La suite de mes signalements" in resident and "Mes signalements" in resident
    assert "Mes démarches en ligne" not in resident and "La participation :" not in resident
    assert "la loi le demande" not in resident  # the note on dossiers' mails goes with them


def test_the_operator_signing_in_at_the_platform_lands_on_the_communes_it_runs(client, valbourg):
    from beffroi.accounts.models import User

    operator = User.objects.create_user("operateur@plateforme.test", PASSWORD, is_staff=True)
    response = client.post("/connexion/", {"username": operator.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/plateforme/communes/", response.redirect_chain
    assert "Valbourg" in response.content.decode()
    account = client.get("/compte/").content.decode()
    assert 'href="/plateforme/communes/"' in account  # and from « Mon compte »


def test_someone_with_no_commune_still_lands_on_their_account(client, valbourg):
    from beffroi.accounts.models import User

    User.objects.create_user("personne@exemple.test", PASSWORD)
    response = client.post(
        "/connexion/", {"username": "personne@exemple.test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/compte/"
    assert "/plateforme/communes/" not in response.content.decode()


def test_core_leaves_out_the_section_of_a_module_the_commune_switched_off(
    monkeypatch, valbourg, agent_valbourg
):
    """The switch is applied once, in core.attention: a provider need not check it to be left out."""
    from beffroi.core import attention

    monkeypatch.setattr(attention, "_PROVIDERS", {})
    monkeypatch.setattr(attention, "_discovered", True)
    attention.register("budgeting", lambda **kw: attention.Section(title="Idées à examiner"))
    attention.register("funding", lambda **kw: attention.Section(title="Dates limites"), module="planning")

    def titles():
        return [s.title for s in attention.sections_for(commune=valbourg, user=agent_valbourg, role="agent")]

    valbourg.enabled_modules = ["reports"]
    assert titles() == []
    valbourg.enabled_modules = ["reports", "budgeting", "planning"]
    assert titles() == ["Idées à examiner", "Dates limites"]


def test_the_platform_pages_reached_from_a_commune_move_to_the_instance_root(client, valbourg, hautmesnil):
    """Signed in on Valbourg's pages, the operator follows « Mon compte »'s link: the page that manages every
    commune is served at the root, without Valbourg's header and footer."""
    from beffroi.accounts.models import User

    operator = User.objects.create_user("operateur@plateforme.test", PASSWORD, is_staff=True)
    response = client.post(
        "/valbourg/connexion/", {"username": operator.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/plateforme/communes/", response.redirect_chain
    assert "Mairie de Valbourg" not in response.content.decode()
    moved = client.get("/valbourg/plateforme/communes/recherche/?q=rovon")
    assert moved.status_code == 302 and moved["Location"] == "/plateforme/communes/recherche/?q=rovon"
