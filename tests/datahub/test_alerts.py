"""Alerts of the data hub: rules, evaluation on ingestion, acknowledgement and closing, pages, isolation."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.datahub import services
from beffroi.datahub.models import Alert, AlertEvent, AlertRule
from tests.factories import TeamFactory, member

pytestmark = pytest.mark.django_db

FILL = "https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel"
# Ingestion evaluates at the real clock: the series end now (future readings only in explicit evaluations).
NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def make_container(commune, number=1):
    return services.entity_create(
        commune=commune,
        entity={"id": f"urn:ngsi-ld:WasteContainer:{commune.slug}-{number}", "type": "WasteContainer"},
        audit=False,
    )


def feed(commune, entity, values, *, step=30, end=NOW):
    """Ingest `values` every `step` minutes, the last one at `end`, through the real ingestion service."""
    start = end - timedelta(minutes=step * (len(values) - 1))
    services.observation_ingest_batch(
        commune=commune,
        measurements=[
            services.Measurement(entity.entity_id, FILL, start + timedelta(minutes=step * i), v)
            for i, v in enumerate(values)
        ],
    )


@pytest.fixture
def team(valbourg, agent_valbourg):
    team = TeamFactory(commune=valbourg, name="Propreté", slug="proprete", email="")
    team.members.add(agent_valbourg)
    return team


@pytest.fixture
def rule(valbourg, agent_valbourg, team):
    return services.alert_rule_create(
        commune=valbourg,
        actor=agent_valbourg,
        label="Benne pleine",
        entity_type="WasteContainer",
        attribute="fillingLevel",
        kind="above",
        threshold=0.8,
        duration_minutes=60,
        team=team,
    )


def open_alerts():
    return Alert.objects.exclude(state=Alert.State.CLOSED)


def test_ingestion_opens_an_alert_when_held_for_the_duration_and_mails_the_team(
    valbourg, rule, agent_valbourg, django_capture_on_commit_callbacks, settings
):
    container = make_container(valbourg)
    with django_capture_on_commit_callbacks(execute=True):
        feed(valbourg, container, [0.5, 0.85, 0.9, 0.95])
    alert = open_alerts().get()
    assert alert.entity == container and alert.value == 0.95 and alert.state == Alert.State.OPEN
    assert "au-dessus du seuil" in alert.message
    assert alert.events.get().action == AlertEvent.Action.OPENED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent_valbourg.email]
    assert "Benne pleine" in mail.outbox[0].subject
    assert f"{settings.BEFFROI_SITE_URL}/valbourg/donnees/alertes/{alert.pk}/" in mail.outbox[0].body


WATER = "https://smartdatamodels.org/dataModel.WaterConsumption/waterConsumption"


def test_alert_mail_is_in_the_communes_language_whatever_the_request_language(
    client, valbourg, agent_valbourg, team, django_capture_on_commit_callbacks
):
    """An ingestion through the NGSI-LD API runs in English (the API's language): the alert, its history and
    the team's mail are still written in the commune's French, with the measurement's label, a decimal comma,
    the unit, and no « depuis » for a rule that has no duration."""
    from django.utils import translation

    services.alert_rule_create(
        commune=valbourg,
        actor=agent_valbourg,
        label="Fuite d'eau",
        entity_type="WaterConsumptionObserved",
        attribute="waterConsumption",
        kind="above",
        threshold=0.4,
        team=team,
    )
    meter = services.entity_create(
        commune=valbourg,
        entity={"id": "urn:ngsi-ld:WaterConsumptionObserved:gymnase", "type": "WaterConsumptionObserved"},
        audit=False,
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.observation_ingest_batch(
            commune=valbourg,
            measurements=[services.Measurement(meter.entity_id, WATER, NOW, 0.6301, "MTQ")],
        )
    alert = open_alerts().get()
    assert alert.message == "Consommation d'eau : 0,63 m³, au-dessus du seuil de 0,4 m³."
    assert alert.events.get().note == alert.message
    (sent,) = mail.outbox
    assert sent.subject.startswith("[Valbourg] Alerte : Fuite d'eau")
    assert "Une alerte a été ouverte pour le service Propreté." in sent.body
    assert "Consommation d'eau : 0,63 m³, au-dessus du seuil de 0,4 m³." in sent.body
    assert "Mairie de Valbourg" in sent.from_email
    client.force_login(agent_valbourg)
    assert "seuil 0,4 m³" in client.get("/valbourg/donnees/alertes/regles/").content.decode()
    assert alert.message in client.get(f"/valbourg/donnees/alertes/{alert.pk}/").content.decode().replace(
        "&#x27;", "'"
    )


def test_alert_wording_names_the_measure_and_its_duration_in_words(valbourg, rule):
    container = make_container(valbourg)
    feed(valbourg, container, [0.9, 0.9, 0.9, 0.95], end=NOW - timedelta(minutes=10))
    alert = open_alerts().get()
    assert alert.message == (
        "Taux de remplissage : 95 %, au-dessus du seuil de 80 % depuis au moins 60 minutes."
    )
    feed(valbourg, container, [0.1])
    note = alert.events.last().note
    assert note.endswith("Dernière valeur : 10 %.")
    page_rule = AlertRule.objects.get(pk=rule.pk)
    page_rule.duration_minutes = 1
    from beffroi.datahub import alerting
    from beffroi.datahub.services.alerts import _message

    outcome = alerting.Outcome(alerting.Verdict.TRIGGERED, 0.9, None)
    assert _message(page_rule, outcome).endswith("depuis au moins 1 minute.")


def test_team_address_is_preferred_to_members(valbourg, rule, team, django_capture_on_commit_callbacks):
    team.email = "proprete@valbourg.test"
    team.save()
    with django_capture_on_commit_callbacks(execute=True):
        feed(valbourg, make_container(valbourg), [0.9, 0.9, 0.9])
    assert [m.to for m in mail.outbox] == [["proprete@valbourg.test"]]


def test_too_short_or_below_threshold_opens_nothing(valbourg, rule):
    feed(valbourg, make_container(valbourg, 1), [0.5, 0.7, 0.85, 0.9])  # above for 30 min only
    feed(valbourg, make_container(valbourg, 2), [0.5, 0.6, 0.7, 0.8])  # never strictly above
    assert not open_alerts().exists()


def test_one_open_alert_per_rule_and_entity(valbourg, rule):
    container = make_container(valbourg)
    feed(valbourg, container, [0.9, 0.9, 0.9])
    feed(valbourg, container, [0.95, 0.97], end=NOW + timedelta(hours=1))
    services.alerts_evaluate(commune=valbourg, now=NOW + timedelta(hours=2))
    assert open_alerts().count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(commune=valbourg, rule=rule, entity=container, opened_at=NOW)


def test_value_back_to_normal_closes_automatically_with_history(valbourg, rule):
    container = make_container(valbourg)
    feed(valbourg, container, [0.9, 0.9, 0.9], end=NOW - timedelta(minutes=10))
    feed(valbourg, container, [0.1])  # emptied
    alert = Alert.objects.get()
    assert alert.state == Alert.State.CLOSED and alert.closed_by is None
    assert [e.action for e in alert.events.all()] == ["opened", "auto_closed"]
    assert "Résolue automatiquement" in alert.events.last().note
    # A new excursion opens a new alert.
    feed(valbourg, container, [0.9, 0.9, 0.9], end=NOW + timedelta(hours=3))
    services.alerts_evaluate(commune=valbourg, now=NOW + timedelta(hours=3))
    assert open_alerts().count() == 1 and Alert.objects.count() == 2


def silent_container_with_no_data_rule(commune, actor):
    """A container last heard from five hours ago, and a rule wanting data every two hours."""
    container = make_container(commune)
    feed(commune, container, [0.2], end=datetime.now(UTC) - timedelta(hours=5))
    services.alert_rule_create(
        commune=commune,
        actor=actor,
        label="Capteur muet",
        entity_type="WasteContainer",
        attribute="fillingLevel",
        kind="no_data",
        duration_minutes=120,
    )
    return container


def test_no_data_rule_from_the_command(valbourg, agent_valbourg):
    silent_container_with_no_data_rule(valbourg, agent_valbourg)
    call_command("alerts")
    alert = open_alerts().get()
    assert "Aucune mesure" in alert.message
    call_command("alerts")
    assert open_alerts().count() == 1


def test_rate_of_change_rule(valbourg, agent_valbourg):
    services.alert_rule_create(
        commune=valbourg,
        actor=agent_valbourg,
        label="Remplissage anormalement rapide",
        entity_type="WasteContainer",
        attribute="fillingLevel",
        kind="rate",
        threshold=0.3,
        duration_minutes=60,
    )
    feed(valbourg, make_container(valbourg, 1), [0.1, 0.15, 0.2])  # 0.1 per hour
    assert not open_alerts().exists()
    feed(valbourg, make_container(valbourg, 2), [0.1, 0.4, 0.7])  # 0.6 per hour
    assert open_alerts().get().entity.entity_id.endswith("-2")


def test_acknowledge_and_close_are_audited_with_history(valbourg, rule, agent_valbourg):
    feed(valbourg, make_container(valbourg), [0.9, 0.9, 0.9])
    alert = open_alerts().get()
    services.alert_acknowledge(commune=valbourg, actor=agent_valbourg, alert=alert, note="J'y vais")
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == agent_valbourg
    with pytest.raises(ValidationError):
        services.alert_close(commune=valbourg, actor=agent_valbourg, alert=alert, note="  ")
    services.alert_close(commune=valbourg, actor=agent_valbourg, alert=alert, note="Benne vidée")
    alert.refresh_from_db()
    assert alert.state == Alert.State.CLOSED and alert.closed_by == agent_valbourg
    assert [(e.action, e.note) for e in alert.events.all()][1:] == [
        ("acknowledged", "J'y vais"),
        ("closed", "Benne vidée"),
    ]
    actions = set(
        AuditEntry.objects.filter(commune=valbourg, actor_id=agent_valbourg.pk).values_list(
            "action", flat=True
        )
    )
    assert {"datahub.alert_rule.create", "datahub.alert.acknowledge", "datahub.alert.close"} <= actions


def test_services_refuse_other_communes_and_readers(valbourg, hautmesnil, rule, agent_hautmesnil):
    feed(valbourg, make_container(valbourg), [0.9, 0.9, 0.9])
    alert = open_alerts().get()
    # Another commune's alert or rule does not exist for Hautmesnil (a 404, like its pages).
    with pytest.raises(NotOwned):
        services.alert_acknowledge(commune=hautmesnil, actor=agent_hautmesnil, alert=alert)
    with pytest.raises(NotOwned):
        services.alert_rule_update(commune=hautmesnil, actor=agent_hautmesnil, rule=rule, threshold=0.5)
    elu = member(valbourg, "elu", "elu@valbourg.test")
    with pytest.raises(PermissionDenied):
        services.alert_close(commune=valbourg, actor=elu, alert=alert, note="non")
    # Hautmesnil's ingestion never evaluates Valbourg's rules.
    feed(hautmesnil, make_container(hautmesnil), [0.9, 0.9, 0.9])
    assert open_alerts().count() == 1
    assert not Alert.objects.filter(commune=hautmesnil).exists()


def test_rule_needs_a_team_of_its_commune(valbourg, hautmesnil, agent_valbourg):
    other = TeamFactory(commune=hautmesnil, name="Voirie", slug="voirie")
    with pytest.raises(NotOwned):
        services.alert_rule_create(
            commune=valbourg,
            actor=agent_valbourg,
            label="x",
            entity_type="WasteContainer",
            attribute="fillingLevel",
            kind="above",
            threshold=1,
            team=other,
        )
    assert not AlertRule.objects.exists()


# ------------------------------------------------------------------------------------------------- pages


@pytest.fixture
def open_alert(valbourg, rule):
    feed(valbourg, make_container(valbourg), [0.9, 0.9, 0.9])
    return open_alerts().get()


def test_agent_sees_own_team_alerts_first_and_acts_from_the_pages(
    client, valbourg, open_alert, agent_valbourg
):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/alertes/").content.decode()
    mine, everything = page.split("Toutes les alertes", 1)
    assert "Benne pleine" in mine and "Benne pleine" in everything
    assert "Ouverte</span>" in page  # state as a text badge
    assert "Alertes des capteurs : 1 ouverte" in client.get("/valbourg/donnees/").content.decode()
    url = f"/valbourg/donnees/alertes/{open_alert.pk}/"
    response = client.post(url + "prendre-en-compte/", {"ack-note": "Équipe en route"}, follow=True)
    assert "Alerte prise en compte." in response.content.decode()
    response = client.post(url + "clore/", {"close-note": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Erreur — " in html and "Indiquez ce qui a été fait pour clore l&#x27;alerte." in html
    response = client.post(url + "clore/", {"close-note": "Benne vidée"}, follow=True)
    html = response.content.decode()
    assert "Alerte close." in html and "Équipe en route" in html and "Benne vidée" in html
    # On a phone the history's rows become blocks, each value named by its column (the shared table-stack).
    history = html.split("Historique de l&#x27;alerte", 1)[0].rsplit("<table", 1)[1]
    assert history.startswith(' class="table-stack"')
    assert '<td data-label="Note">Benne vidée</td>' in html
    assert Alert.objects.get().state == Alert.State.CLOSED
    closed = client.get("/valbourg/donnees/alertes/", {"etat": "closed"}).content.decode()
    assert "Clôturée</span>" in closed


def test_elu_reads_but_cannot_act(client, valbourg, open_alert):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    client.force_login(elu)
    url = f"/valbourg/donnees/alertes/{open_alert.pk}/"
    page = client.get(url).content.decode()
    assert "Benne pleine" in page and "Clore l&#x27;alerte" not in page
    assert client.post(url + "clore/", {"close-note": "x"}).status_code == 403
    assert client.get("/valbourg/donnees/alertes/regles/nouvelle/").status_code == 403
    assert Alert.objects.get().state == Alert.State.OPEN


def test_habitant_and_anonymous_cannot_see_alerts(client, valbourg, open_alert, habitant_valbourg):
    url = f"/valbourg/donnees/alertes/{open_alert.pk}/"
    assert client.get("/valbourg/donnees/alertes/").status_code == 302  # to the login page
    assert client.get(url).status_code == 302
    client.force_login(habitant_valbourg)
    for path in ("/valbourg/donnees/alertes/", url, "/valbourg/donnees/alertes/regles/"):
        assert client.get(path).status_code == 403
    assert "Alertes des capteurs" not in client.get("/valbourg/donnees/").content.decode()


def test_other_commune_sees_none_of_the_alerts(client, hautmesnil, open_alert, agent_hautmesnil):
    client.force_login(agent_hautmesnil)
    listing = client.get("/hautmesnil/donnees/alertes/").content.decode()
    assert "Benne pleine" not in listing
    assert client.get(f"/hautmesnil/donnees/alertes/{open_alert.pk}/").status_code == 404
    assert (
        client.post(f"/hautmesnil/donnees/alertes/{open_alert.pk}/clore/", {"close-note": "x"}).status_code
        == 404
    )
    assert client.get(f"/hautmesnil/donnees/alertes/regles/{open_alert.rule.pk}/modifier/").status_code == 404
    assert "Benne pleine" not in client.get("/hautmesnil/donnees/alertes/regles/").content.decode()


def test_rule_form_creates_and_edits_with_french_errors(client, valbourg, agent_valbourg, team):
    container = make_container(valbourg)
    feed(valbourg, container, [0.2])
    client.force_login(agent_valbourg)
    url = "/valbourg/donnees/alertes/regles/nouvelle/"
    form = {
        "label": "Benne presque pleine",
        "entity_type": "WasteContainer",
        "attribute": "fillingLevel",
        "kind": "above",
        "threshold": "",
        "duration_minutes": "60",
        "team": team.pk,
        "is_active": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Erreur — " in html and "Indiquez un seuil pour cette condition." in html
    page = client.get(url).content.decode()
    # Types and measurements are offered in French, each measurement under the type that transmits it.
    assert '<option value="WasteContainer">Conteneur à déchets</option>' in page
    assert '<optgroup label="Conteneur à déchets">' in page
    assert '<option value="fillingLevel">Taux de remplissage</option>' in page
    response = client.post(url, {**form, "threshold": "0,7", "attribute": "niveau"})
    assert response.status_code == 400
    assert "Choisissez une mesure de la liste." in response.content.decode()
    services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:AirQualityObserved:ecole",
            "type": "AirQualityObserved",
            "co2": {"type": "Property", "value": 600, "observedAt": NOW.isoformat()},
        },
        audit=False,
    )
    response = client.post(url, {**form, "threshold": "0,7", "attribute": "co2"})
    assert response.status_code == 400
    assert (
        "Aucun équipement de type « Conteneur à déchets » ne transmet la mesure « CO₂ » : la règle ne se "
        "déclencherait jamais. Mesures transmises : Taux de remplissage."
    ) in response.content.decode().replace("&#x27;", "'")
    response = client.post(url, {**form, "threshold": "abc"})
    html = response.content.decode()
    assert "Écrivez un nombre en chiffres, les milliers séparés par une espace" in html
    # One error for a threshold typed wrong, not a second one saying it is missing.
    assert "Indiquez un seuil pour cette condition." not in html
    # A filling level is typed in percent (stored as a fraction, as the sensors send it).
    response = client.post(url, {**form, "threshold": "70"}, follow=True)
    assert "Règle créée." in response.content.decode()
    rule = AlertRule.objects.get(commune=valbourg)
    assert rule.threshold == 0.7 and rule.team == team
    response = client.post(
        f"/valbourg/donnees/alertes/regles/{rule.pk}/modifier/", {**form, "threshold": "75,5"}, follow=True
    )
    assert "Règle enregistrée." in response.content.decode()
    rule.refresh_from_db()
    assert rule.threshold == 0.755
    # The rules' list shows the threshold as typed (a ratio as a percentage), not rounded.
    assert "seuil 75,5 %" in response.content.decode()
    entry = AuditEntry.objects.filter(action="datahub.alert_rule.update").get()
    assert entry.summary == "Benne presque pleine : seuil"


# -------------------------------------------------------------------------------------------------- demo


def test_demo_has_rules_open_acknowledged_and_closed_alerts_and_is_idempotent(db):
    from beffroi.datahub import demo
    from beffroi.territory import demo as territory_demo

    territory_demo.load()
    demo.load()
    alerts = Alert.objects.filter(commune__slug="valbourg")
    assert AlertRule.objects.filter(commune__slug="valbourg").count() == 4
    assert alerts.filter(state=Alert.State.OPEN).exists()
    leak = alerts.get(entity__entity_id=demo.LEAK_METER)
    assert leak.state == Alert.State.ACKNOWLEDGED
    closed = alerts.get(closed_by__email="agent@demo.test")
    assert [e.action for e in closed.events.all()][-1] == "closed"
    assert alerts.filter(events__action="auto_closed").exists()  # the replay saw levels come back down
    snapshot = sorted(alerts.values_list("pk", "state"))
    demo.load()
    assert sorted(alerts.values_list("pk", "state")) == snapshot
    assert AlertRule.objects.filter(commune__slug="valbourg").count() == 4


def test_demo_alerts_tell_the_same_story_as_the_dashboard(client, db):
    """Every bin the dashboard says to empty and every street light it says is broken has an alert in progress,
    and the bin the agent had emptied reads empty, its alert closed."""
    from beffroi.accounts.models import User
    from beffroi.datahub import demo
    from beffroi.territory import demo as territory_demo

    territory_demo.load()
    demo.load()
    client.force_login(User.objects.get(email="agent@demo.test"))
    html = client.get("/valbourg/donnees/").content.decode()
    to_empty = re.search(r"Bennes à vider</h3>(.*?)</div>", html, re.S).group(1)
    broken = re.search(r"points? lumineux en panne.(.*?)</div>", html, re.S).group(1)
    shown = set(re.findall(r">((?:Benne|Lampadaire) \d+)</a>", to_empty + broken))
    assert {"Lampadaire 4", "Lampadaire 12"} <= shown
    assert any(name.startswith("Benne") for name in shown)
    active = Alert.objects.filter(commune__slug="valbourg").exclude(state=Alert.State.CLOSED)
    alerted = {str(alert.entity) for alert in active.select_related("entity")}
    assert shown <= alerted
    alerts_page = client.get("/valbourg/donnees/alertes/").content.decode()
    assert "Lampadaire muet (panne ou coupure) — Lampadaire 4" in alerts_page.replace("&#x27;", "'")
    emptied = Alert.objects.get(
        commune__slug="valbourg", entity__entity_id=demo.OVERFLOW_CONTAINER, closed_by__isnull=False
    )
    assert emptied.state == Alert.State.CLOSED and ">Benne 1</a>" not in to_empty


def test_personal_data_export_and_erasure_keep_the_history(valbourg, rule, agent_valbourg):
    from beffroi.core import personal_data

    feed(valbourg, make_container(valbourg), [0.9, 0.9, 0.9])
    alert = open_alerts().get()
    services.alert_close(commune=valbourg, actor=agent_valbourg, alert=alert, note="Benne vidée")
    exported = personal_data.export_for(agent_valbourg)["donnees_et_capteurs"]["evenements_alertes"]
    assert [e["note"] for e in exported] == ["Benne vidée"]
    personal_data.erase_for(agent_valbourg)
    alert.refresh_from_db()
    assert alert.closed_by is None and alert.events.last().note == "Benne vidée"
    assert alert.events.last().actor is None


@pytest.mark.parametrize(
    "iri",
    [
        FILL,
        "https://uri.etsi.org/ngsi-ld/default-context/fillingLevel",  # (no @context: the core one's vocabulary)
        "urn:example:fillingLevel",
        "https://example.org/vocab#fillingLevel",
        "fillingLevel",
    ],
)
def test_ingestion_opens_an_alert_whatever_the_attributes_name(valbourg, rule, iri):
    container = make_container(valbourg)
    start = NOW - timedelta(minutes=90)
    services.observation_ingest_batch(
        commune=valbourg,
        measurements=[
            services.Measurement(container.entity_id, iri, start + timedelta(minutes=30 * i), 0.9)
            for i in range(4)
        ],
    )
    assert open_alerts().get().entity == container


def test_batch_api_opens_and_closes_alerts_among_other_measurements(client, valbourg, rule):
    """A batch of the API whose items are of several entities and attributes: the container's filling level
    opens its alert, then an emptied container closes it; the other measurements change nothing."""
    from tests.datahub.helpers import write_key

    container, other = make_container(valbourg, 1), make_container(valbourg, 2)
    key = write_key(valbourg)

    def send(items):
        response = client.post(
            "/api/datahub/observations",
            {"observations": items},
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200 and response.json()["accepted"] == len(items)

    def item(entity, attribute, minutes_ago, value):
        moment = (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
        return {"entity": entity.entity_id, "attribute": attribute, "observedAt": moment, "value": value}

    send([item(other, "temperature", 5, 12.5), item(container, "temperature", 5, 12.5)])
    assert not open_alerts().exists()
    send(
        [item(other, "temperature", m, 13) for m in (90, 60)]
        + [item(container, "fillingLevel", m, 0.9) for m in (120, 90, 60, 30)]
    )
    assert open_alerts().get().entity == container
    send([item(other, "fillingLevel", 1, 0.2), item(container, "temperature", 1, 14)])
    assert open_alerts().get().entity == container  # (the container's level is not back to normal)
    send([item(container, "fillingLevel", 0, 0.1)])
    assert not open_alerts().exists()
    assert Alert.objects.get().state == Alert.State.CLOSED


# ------------------------------------------------------------------------- thresholds in the unit one reads


def test_a_filling_level_threshold_is_typed_and_shown_in_percent_everywhere(client, valbourg, agent_valbourg):
    container = make_container(valbourg)
    feed(valbourg, container, [0.2, 0.3, 0.4])
    services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:AirQualityObserved:ecole",
            "type": "AirQualityObserved",
            "co2": {"type": "Property", "value": 600, "unitCode": "59", "observedAt": NOW.isoformat()},
        },
        audit=False,
    )
    client.force_login(agent_valbourg)
    url = "/valbourg/donnees/alertes/regles/nouvelle/"
    # A new rule's threshold says the unit of each measurement.
    page = client.get(url).content.decode()
    assert "Taux de remplissage en %" in page and "CO₂ en ppm" in page
    form = {
        "label": "Benne pleine à 95 %",
        "entity_type": "WasteContainer",
        "attribute": "fillingLevel",
        "kind": "above",
        "threshold": "9500",
        "duration_minutes": "0",
        "is_active": "on",
    }
    for impossible in ("9500", "-5"):
        response = client.post(url, {**form, "threshold": impossible})
        assert response.status_code == 400
        assert (
            "Un pourcentage va de 0 à 100 : indiquez par exemple 95 pour 95 %." in response.content.decode()
        )
    assert not AlertRule.objects.exists()
    response = client.post(url, {**form, "threshold": "95"}, follow=True)
    assert "seuil 95 %" in response.content.decode()
    rule = AlertRule.objects.get()
    assert rule.threshold == 0.95
    # Editing shows what was typed, with its unit.
    edit = client.get(f"/valbourg/donnees/alertes/regles/{rule.pk}/modifier/").content.decode()
    assert 'name="threshold" value="95"' in edit
    assert "En %, de 0 à 100 : 95 pour 95 %." in edit
    # The equipment's chart draws the same threshold.
    html = client.get(f"/valbourg/donnees/equipement/{container.pk}/?periode=day").content.decode()
    assert "Seuil d&#x27;alerte (95 %)" in html
    # A measurement with a unit is typed in it, as it is.
    response = client.post(
        url,
        {
            **form,
            "label": "CO₂",
            "entity_type": "AirQualityObserved",
            "attribute": "co2",
            "threshold": "1500",
        },
    )
    assert response.status_code == 302
    co2 = AlertRule.objects.get(attribute="co2")
    assert co2.threshold == 1500
    edit = client.get(f"/valbourg/donnees/alertes/regles/{co2.pk}/modifier/").content.decode()
    assert 'name="threshold" value="1 500"' in edit and "En ppm." in edit


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1 500", 1500),  # an ordinary space, as the rules' list prints it
        ("1\u00a0500", 1500),  # a no-break space
        ("1\u202f500", 1500),  # a narrow no-break space (copied from a page)
        ("1 500,5", 1500.5),
        ("1.5", 1.5),
        ("1500", 1500),
    ],
)
def test_a_threshold_is_typed_as_a_french_person_writes_it(client, valbourg, agent_valbourg, typed, stored):
    services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:AirQualityObserved:ecole",
            "type": "AirQualityObserved",
            "co2": {"type": "Property", "value": 600, "unitCode": "59", "observedAt": NOW.isoformat()},
        },
        audit=False,
    )
    client.force_login(agent_valbourg)
    form = {
        "label": "CO₂ trop élevé",
        "entity_type": "AirQualityObserved",
        "attribute": "co2",
        "kind": "above",
        "threshold": typed,
        "duration_minutes": "30",
        "is_active": "on",
    }
    response = client.post("/valbourg/donnees/alertes/regles/nouvelle/", form, follow=True)
    html = response.content.decode()
    assert "Règle créée." in html
    assert AlertRule.objects.get().threshold == stored
    if stored >= 1000:  # the list writes it back the same way
        assert re.search(r"seuil 1[\u0020\u00a0\u202f]500", html)


def test_a_threshold_that_is_not_a_number_gets_one_clear_error(client, valbourg, agent_valbourg):
    container = make_container(valbourg)
    feed(valbourg, container, [0.2])
    client.force_login(agent_valbourg)
    form = {
        "label": "Benne pleine",
        "entity_type": "WasteContainer",
        "attribute": "fillingLevel",
        "kind": "above",
        "duration_minutes": "0",
        "is_active": "on",
    }
    url = "/valbourg/donnees/alertes/regles/nouvelle/"
    for garbage in ("quatre-vingts", "80 %", "8 0"):
        response = client.post(url, {**form, "threshold": garbage})
        assert response.status_code == 400
        html = response.content.decode()
        assert (
            html.count("Écrivez un nombre en chiffres, les milliers séparés par une espace") == 2
        )  # summary, field
        assert "Indiquez un seuil pour cette condition." not in html
        assert "Saisissez un nombre." not in html
        assert f'value="{garbage}"' in html  # what was typed is shown back
    response = client.post(url, {**form, "threshold": "1.500"})
    assert "« 1.500 » est ambigu : écrivez 1 500 pour un nombre entier" in response.content.decode()
    assert not AlertRule.objects.exists()


# ---------------------------------------------------------------------------------- the commune's journal


def test_the_journal_names_rules_and_alerts_in_words(valbourg, rule, agent_valbourg):
    from beffroi.core.audit_labels import action_label

    services.alert_rule_update(
        commune=valbourg, actor=agent_valbourg, rule=rule, threshold=0.95, is_active=False, label=rule.label
    )
    entry = AuditEntry.objects.filter(action="datahub.alert_rule.update").get()
    assert entry.summary == "Benne pleine : seuil, désactivée"
    services.alert_rule_update(commune=valbourg, actor=agent_valbourg, rule=rule, is_active=True)
    assert (
        AuditEntry.objects.filter(action="datahub.alert_rule.update").order_by("pk").last().summary
        == "Benne pleine : activée"
    )
    feed(valbourg, make_container(valbourg), [0.99, 0.99, 0.99])
    alert = open_alerts().get()
    services.alert_acknowledge(commune=valbourg, actor=agent_valbourg, alert=alert, note="Équipe en route")
    entry = AuditEntry.objects.get(action="datahub.alert.acknowledge")
    assert entry.summary == f"Benne pleine — {alert.entity} : Équipe en route"
    # One word for the state: « prise en compte », as the alert's page says.
    assert str(action_label("datahub.alert.acknowledge")) == "Alerte prise en compte"
    services.alert_close(commune=valbourg, actor=agent_valbourg, alert=alert, note="Benne vidée")
    assert AuditEntry.objects.get(action="datahub.alert.close").summary.startswith("Benne pleine — ")


def test_the_landing_page_says_prise_en_compte_like_the_alerts(valbourg, open_alert, agent_valbourg):
    from beffroi.datahub import attention

    section = attention.section(commune=valbourg, user=agent_valbourg, role="agent")
    assert section is not None and "pas encore prise en compte." in str(section.summary)


# --------------------------------------------------------------------------------------- deleting a rule


def test_an_agent_deletes_a_rule_after_confirming(client, valbourg, open_alert, agent_valbourg):
    rule = open_alert.rule
    client.force_login(agent_valbourg)
    edit = client.get(f"/valbourg/donnees/alertes/regles/{rule.pk}/modifier/").content.decode()
    url = f"/valbourg/donnees/alertes/regles/{rule.pk}/supprimer/"
    assert f'href="{url}"' in edit and "Supprimer cette règle" in edit
    asking = client.post(url, {})
    assert asking.status_code == 200
    assert "Supprimer la règle « Benne pleine » ?" in asking.content.decode()
    assert AlertRule.objects.filter(pk=rule.pk).exists()
    response = client.post(url, {"confirme": "1"}, follow=True)
    html = response.content.decode()
    assert "Règle « Benne pleine » supprimée." in html and "Aucune règle d'alerte." in html
    assert not AlertRule.objects.exists() and not Alert.objects.exists()
    entry = AuditEntry.objects.get(action="datahub.alert_rule.delete")
    assert entry.summary == "Règle d'alerte « Benne pleine » supprimée"


def test_deleting_a_rule_is_refused_to_elus_and_other_communes(
    client, valbourg, hautmesnil, rule, agent_hautmesnil
):
    url = f"/valbourg/donnees/alertes/regles/{rule.pk}/supprimer/"
    client.force_login(member(valbourg, "elu", "elu@valbourg.test"))
    assert client.post(url, {"confirme": "1"}).status_code == 403
    client.force_login(agent_hautmesnil)
    assert (
        client.post(f"/hautmesnil/donnees/alertes/regles/{rule.pk}/supprimer/", {"confirme": "1"}).status_code
        == 404
    )
    with pytest.raises(NotOwned):
        services.alert_rule_delete(commune=hautmesnil, actor=agent_hautmesnil, rule=rule)
    assert AlertRule.objects.filter(pk=rule.pk).exists()


def test_an_equipment_page_says_when_it_last_spoke_and_links_to_its_own_alerts(
    client, valbourg, rule, agent_valbourg
):
    full, calm = make_container(valbourg, 1), make_container(valbourg, 2)
    feed(valbourg, full, [0.9, 0.9, 0.9, 0.9])
    feed(valbourg, calm, [0.2])
    assert open_alerts().get().entity == full
    client.force_login(agent_valbourg)
    page = client.get(f"/valbourg/donnees/equipement/{full.pk}/").content.decode()
    assert re.search(r"<dt>Dernière mesure</dt><dd>\d+(er)? \w+ \d{4} à \d+\u00a0h", page)
    link = f"/valbourg/donnees/alertes/?etat=all&amp;equipement={full.pk}"
    assert f'<a href="{link}">Alertes de cet équipement (1 en cours)</a>' in page
    listing = client.get(link.replace("&amp;", "&")).content.decode().replace("&#x27;", "'")
    assert f"Alertes de l'équipement « {full} » seulement." in listing
    assert f'name="equipement" value="{full.pk}"' in listing
    assert f"/valbourg/donnees/alertes/{open_alerts().get().pk}/" in listing
    calm_page = client.get(f"/valbourg/donnees/equipement/{calm.pk}/").content.decode()
    assert "Alertes de cet équipement (aucune en cours)" in calm_page
    calm_alerts = client.get(f"/valbourg/donnees/alertes/?etat=all&equipement={calm.pk}").content.decode()
    assert "Aucune alerte ne correspond à ces filtres." in calm_alerts


def test_an_equipment_page_says_where_it_stands_and_draws_it(client, valbourg, agent_valbourg):
    """The nearest address in words, a map marking it (the dashboard's script) and, read without JavaScript,
    the town plan drawn around it; an equipment with no position has neither."""
    from beffroi.datahub.models import Entity
    from beffroi.territory.models import Address, MapLayer

    placed = make_container(valbourg, 1)
    Entity.objects.filter(pk=placed.pk).update(lat=47.3101, lon=4.8301)  # the columns of its `location`
    Address.objects.create(
        commune=valbourg,
        interop_key="21990_0100_00012",
        street="Place du Marché",
        street_key="place du marche",
        number=12,
        latitude=47.3102,
        longitude=4.8302,
    )
    road = {"type": "Feature", "properties": {"nom": "Place du Marché", "type": "principale"}}
    road["geometry"] = {"type": "LineString", "coordinates": [[4.829, 47.31], [4.831, 47.311]]}
    MapLayer.objects.create(
        commune=valbourg,
        kind="voies",
        features={"type": "FeatureCollection", "features": [road]},
        feature_count=1,
    )
    client.force_login(agent_valbourg)
    page = client.get(f"/valbourg/donnees/equipement/{placed.pk}/").content.decode()
    assert "<dt>Emplacement</dt><dd>près du 12 place du Marché</dd>" in page
    assert 'id="datahub-map"' in page and '"lat": 47.3101' in page and "datahub/map.js" in page
    assert re.search(r"<noscript><svg[^>]*>.*Plan autour de l(&#x27;|')équipement", page, re.S)
    unplaced = make_container(valbourg, 3)
    bare = client.get(f"/valbourg/donnees/equipement/{unplaced.pk}/").content.decode()
    assert "Emplacement" not in bare and 'id="datahub-map"' not in bare and "datahub/map.js" not in bare
