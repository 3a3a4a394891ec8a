"""Nothing acknowledged is lost when a process is killed with SIGKILL (`kill -9`), three rounds each.

- HTTP ingestion (the data hub's batch API and NGSI-LD batch upsert): every batch answered 2xx is stored;
- MQTT ingestion: every uplink the broker acknowledged (PUBACK, QoS 1) is stored once, although the worker is
  killed while it stores them;
- ballots cast with a voting code: every ballot answered by the redirect to the confirmation is stored with
  the choices sent, none twice;
- a budget's count: killed while it runs, nothing is published; counted again after the restart, the same
  winners as an uninterrupted count.

Run with `make test-durability`. Writes go on while the server is killed; the test waits on readiness (the
server answering, rows stored, the count holding the database's write lock), never on fixed delays.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.durability.harness import csrf_token, wait_for

pytestmark = [pytest.mark.durability]

ROUNDS = 3
T0 = datetime(2026, 1, 1, tzinfo=UTC)
MODULES = '["reports", "budgeting", "datahub", "planning"]'
COMMUNE = f"""
import json
from beffroi.core.services import commune_create, apikey_create
commune = commune_create(name="Durable", slug="durable", insee_code="99996", enabled_modules={MODULES})
"""


class Writer(threading.Thread):
    """Sends numbered writes one after the other until stopped; keeps those acknowledged and those cut off.

    `source()` gives the next number (None: nothing left); `on_cut(number)` is told of a write whose answer
    never came (in flight when the server died: it may or may not be stored).
    """

    def __init__(self, send, source, on_cut=None):
        super().__init__(daemon=True)
        self.send, self.source = send, source
        self.acked: list = []
        self.cut: list = []
        self.refused: list = []  # an answer that is not an acknowledgement: none expected
        self.on_cut = on_cut or self.cut.append
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            number = self.source()
            if number is None:
                return
            try:
                answer = self.send(number)
            except requests.RequestException:
                self.on_cut(number)
                time.sleep(0.05)  # the server is down: do not spin while it restarts
                continue
            if answer is True:
                self.acked.append(number)
            else:
                self.refused.append((number, answer))


def acknowledged(writers: list[Writer]) -> int:
    return sum(len(w.acked) for w in writers)


def kill_rounds(progress, *, start, kill) -> None:
    """Three times: wait until `progress()` has grown by some acknowledged writes, kill -9, start again."""
    for _round in range(ROUNDS):
        before = progress()
        wait_for(lambda before=before: progress() >= before + 10, what="writes acknowledged before the kill")
        kill()
        start()


# --- (a) HTTP batch ingestion ----------------------------------------------------------------------------------

BATCH = 50


def test_http_ingestion_killed_loses_no_acknowledged_batch(instance):
    key = instance.shell(
        COMMUNE
        + """
from beffroi.datahub import services
services.entity_create(commune=commune, entity={"id": "urn:ngsi-ld:WasteContainer:1",
    "type": "https://uri.etsi.org/ngsi-ld/default-context/WasteContainer"})
print(json.dumps(apikey_create(commune=commune, scope="write", name="durabilite")[1]))
"""
    )
    auth = {"Authorization": f"Bearer {key}"}
    session_local = threading.local()

    def send(number: int):
        http = getattr(session_local, "http", None) or requests.Session()
        session_local.http = http
        if number % 2 == 0:  # the data hub's batch of measurements
            items = [
                {
                    "entity": "urn:ngsi-ld:WasteContainer:1",
                    "attribute": "fillingLevel",
                    "observedAt": (T0 + timedelta(seconds=number * BATCH + i)).isoformat(),
                    "value": number * BATCH + i,
                }
                for i in range(BATCH)
            ]
            answer = http.post(
                f"{instance.base}/api/datahub/observations",
                json={"observations": items},
                headers=auth,
                timeout=60,
            )
            ok = (
                answer.status_code == 200 and answer.json()["accepted"] + answer.json()["duplicates"] == BATCH
            )
        else:  # NGSI-LD batch upsert of new entities
            entities = [
                {
                    "id": f"urn:ngsi-ld:ParkingSpot:{number}-{i}",
                    "type": "ParkingSpot",
                    "status": {"type": "Property", "value": "free"},
                }
                for i in range(10)
            ]
            answer = http.post(
                f"{instance.base}/ngsi-ld/v1/entityOperations/upsert",
                json=entities,
                headers={**auth, "NGSILD-Tenant": "durable"},
                timeout=60,
            )
            ok = answer.status_code in (201, 204)
        return True if ok else (answer.status_code, answer.text[:300])

    numbers = itertools.count()
    writers = [Writer(send, numbers.__next__) for _ in range(2)]  # two clients: nearly always one in flight
    instance.serve()
    for writer in writers:
        writer.start()
    kill_rounds(lambda: acknowledged(writers), start=instance.serve, kill=instance.kill_server)
    after = acknowledged(writers)
    wait_for(lambda: acknowledged(writers) > after, what="a write after the last restart")
    for writer in writers:
        writer.stop.set()
    for writer in writers:
        writer.join(timeout=120)
    instance.stop()

    acked = sorted(n for w in writers for n in w.acked)
    assert not [r for w in writers for r in w.refused]
    values = {int(v) for (v,) in instance.query("SELECT value_num FROM datahub_observation")}
    entities = {e for (e,) in instance.query("SELECT entity_id FROM datahub_entity")}
    lost_measurements = [
        n for n in acked if n % 2 == 0 and not set(range(n * BATCH, (n + 1) * BATCH)) <= values
    ]
    lost_entities = [
        n
        for n in acked
        if n % 2 == 1 and not {f"urn:ngsi-ld:ParkingSpot:{n}-{i}" for i in range(10)} <= entities
    ]
    assert (lost_measurements, lost_entities) == ([], [])
    assert len(acked) >= ROUNDS * 10 and instance.kills == ROUNDS
    # Stored, but whose answer was cut by the kill, is allowed; stored twice is not (unique index).
    assert instance.query("SELECT COUNT(*) FROM datahub_observation")[0][0] == len(values)


# --- (b) MQTT ingestion ----------------------------------------------------------------------------------------

DEV_EUI = "70B3D57ED00000DB"
TOPIC = f"beffroi/durable/devices/{DEV_EUI}/up"


def _uplink(number: int) -> str:
    return json.dumps(
        {
            "dev_eui": DEV_EUI,
            "f_cnt": number,
            "decoded": {"waterConsumption": number},
            "received_at": (T0 + timedelta(seconds=number)).isoformat().replace("+00:00", "Z"),
        }
    )


def test_mqtt_worker_killed_loses_no_acknowledged_uplink(instance, broker):
    import paho.mqtt.client as mqtt

    instance.shell(
        COMMUNE
        + f"""
from beffroi.datahub import services
entity = services.entity_create(commune=commune, entity={{"id": "urn:ngsi-ld:WaterConsumptionObserved:1",
    "type": "https://uri.etsi.org/ngsi-ld/default-context/WaterConsumptionObserved"}})
services.device_register(commune=commune, dev_eui="{DEV_EUI}", entity=entity)
print("null")
"""
    )

    def stored() -> list[int]:
        return [int(v) for (v,) in instance.query("SELECT value_num FROM datahub_observation")]

    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="durability-publisher")
    publisher.max_inflight_messages_set(100)
    publisher.connect("127.0.0.1", broker)
    publisher.loop_start()
    sent: dict[int, mqtt.MQTTMessageInfo] = {}
    stop = threading.Event()

    def publish():
        for number in itertools.count(2):
            if stop.is_set():
                return
            sent[number] = publisher.publish(TOPIC, _uplink(number), qos=1)
            if number % 20 == 0:  # at the broker's pace
                sent[number].wait_for_publish(60)

    # Subscribed once (its session persists across kills), then a first uplink stored: the worker is ready.
    instance.mqtt_worker()
    wait_for(lambda: "MQTT broker" in instance.log("mqtt.log"), what="the worker's subscriptions")
    first = publisher.publish(TOPIC, _uplink(1), qos=1)
    wait_for(lambda: stored() == [1], what="the worker to store a first uplink")
    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    kill_rounds(lambda: len(stored()), start=instance.mqtt_worker, kill=instance.kill_worker)
    stop.set()
    thread.join(timeout=60)
    for info in sent.values():
        info.wait_for_publish(60)
    publisher.loop_stop()
    publisher.disconnect()
    acked = {1} | {n for n, info in sent.items() if info.is_published()}  # PUBACK received from the broker
    wait_for(lambda: set(stored()) >= acked, timeout=180, what="every acknowledged uplink to be stored")
    instance.kill_worker()

    assert first.is_published()
    values = stored()
    assert sorted(acked - set(values)) == []
    assert [v for v, n in Counter(values).items() if n > 1] == []  # none stored twice
    assert len(acked) > ROUNDS * 10 and not instance.query("SELECT reason FROM datahub_rejecteduplink")


# --- (c) ballots -----------------------------------------------------------------------------------------------

VOTERS = 400
BUDGET_SETUP = """
from datetime import timedelta
from django.utils import timezone
from beffroi.accounts.models import Membership, User
from beffroi.budgeting import services
from beffroi.budgeting.models import Project
admin = User.objects.create_user(email="maire@durable.test", password="mot-de-passe-durable", full_name="Maire")
Membership.objects.create(user=admin, commune=commune, role="admin")
"""


def test_ballots_killed_none_lost_none_twice(instance):
    setup = instance.shell(
        COMMUNE
        + BUDGET_SETUP
        + f"""
now, day = timezone.now(), timedelta(days=1)
budget = services.budget_create(commune=commune, actor=admin, title="Budget durable", slug="durable",
    total_amount=100000, ideas_open_at=now - 20 * day, ideas_close_at=now - 10 * day,
    vote_open_at=now - day, vote_close_at=now + 5 * day, max_choices=3, ballot_type="approval")
projects = []
for title, cost in [("Aire de jeux", 40000), ("Piste cyclable", 60000), ("Jardin", 15000), ("Bancs", 5000)]:
    idea = services.idea_submit(commune=commune, budget=budget, author=None, title=title, description=title,
        category="cadre-de-vie", estimated_cost=cost, check_phase=False)
    services.idea_assess(commune=commune, project=idea, actor=admin, feasible=True, decision="Réalisable.")
    projects.append(idea.pk)
codes = services.voting_codes_generate(commune=commune, budget=budget, actor=admin, count={VOTERS})
print(json.dumps({{"projects": projects, "codes": codes}}))
"""
    )
    projects, codes = setup["projects"], setup["codes"]
    page = f"{instance.base}/durable/budget-participatif/durable/voter/code/"

    def choices_of(index: int) -> list[int]:
        return sorted({projects[index % 4], projects[(index // 4) % 4]})

    retry: list[int] = []  # voters whose answer was cut: they try again, with the same ballot
    order = iter(range(VOTERS))
    lock = threading.Lock()

    def next_voter() -> int | None:
        with lock:
            return retry.pop() if retry else next(order, None)

    def cut(index: int) -> None:
        with lock:
            retry.append(index)

    def vote(index: int):
        http = requests.Session()
        form = http.get(page, params={"code": codes[index]}, timeout=60)
        answer = http.post(
            page,
            data={
                "csrfmiddlewaretoken": csrf_token(form.text),
                "code": codes[index],
                "project": [str(p) for p in choices_of(index)],
                "action": "voter",
            },
            allow_redirects=False,
            timeout=60,
        )
        return (
            answer.status_code == 302
            and answer.headers["Location"].endswith("/voter/code/merci/")
            or (
                answer.status_code,
                answer.text[:300],
            )
        )

    writers = [Writer(vote, next_voter, cut) for _ in range(2)]
    instance.serve()
    for writer in writers:
        writer.start()
    kill_rounds(lambda: acknowledged(writers), start=instance.serve, kill=instance.kill_server)
    # Every voter cut off has voted again, and more after the last restart.
    after = acknowledged(writers)
    wait_for(lambda: not retry and acknowledged(writers) >= after + 10, what="the retried ballots")
    for writer in writers:
        writer.stop.set()
    for writer in writers:
        writer.join(timeout=120)
    instance.stop()

    assert not [r for w in writers for r in w.refused]
    acked = {n for w in writers for n in w.acked}
    (instance.directory / "codes.json").write_text(json.dumps(codes))
    stored = instance.shell(
        f"""
import json
from beffroi.budgeting import selectors
from beffroi.budgeting.models import Ballot, BallotChoice, Budget, VotingCode
from beffroi.budgeting.services.counting import count_budget
from beffroi.budgeting.services.voting import _code_hash
budget = Budget.objects.get(slug="durable")
codes = json.loads(open("{instance.directory / "codes.json"}").read())
ballots = {{}}
for index, code in enumerate(codes):
    voting_code = VotingCode.objects.get(budget=budget, code_hash=_code_hash(code))
    if Ballot.objects.filter(voting_code=voting_code).exists():
        token = selectors.ballot_token(budget=budget, key=f"code:{{voting_code.code_hash}}")
        ballots[index] = sorted(BallotChoice.objects.filter(budget=budget, ballot_token=token)
            .values_list("project_id", flat=True))
print(json.dumps({{
    "ballots": ballots,
    "rows": Ballot.objects.filter(budget=budget).count(),
    "tokens": BallotChoice.objects.filter(budget=budget).values("ballot_token").distinct().count(),
    "counted": count_budget(budget).num_voters,
}}))
"""
    )
    ballots = {int(i): v for i, v in stored["ballots"].items()}
    assert {i: ballots.get(i) for i in acked} == {i: choices_of(i) for i in acked}
    # Ballots whose answer was cut may be stored; each with the choices sent, and each once.
    assert all(ballots[i] == choices_of(i) for i in ballots)
    assert stored["rows"] == stored["tokens"] == stored["counted"] == len(ballots)
    assert len(acked) >= ROUNDS * 10


# --- (d) the count ---------------------------------------------------------------------------------------------

PB = "Poland_Krakow_2019_Bienczyce.pb"


def _counting(db) -> bool:
    """Whether a transaction holds the database's write lock (the count runs in one)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return False


def test_count_killed_publishes_nothing_and_restarts_to_the_same_result(instance):
    from pathlib import Path

    pb = Path(__file__).resolve().parents[1] / "data" / "pabulib" / PB
    reference = instance.shell(
        COMMUNE
        + BUDGET_SETUP
        + f"""
from beffroi.budgeting.models import Budget, ProjectStatus
from beffroi.budgeting.pabulib import read_pabulib
budget = services.budget_import_pabulib(commune=commune, actor=admin, pb=read_pabulib("{pb}"), slug="krakow")
winners = budget.results["winners"]
# The import counted it; open the vote again (as before its close), to count it over HTTP.
Budget.objects.filter(pk=budget.pk).update(results=None, counted_at=None, phase_override="vote")
Project.objects.filter(budget=budget).update(status=ProjectStatus.FEASIBLE)
print(json.dumps(winners))
"""
    )
    count_page = f"{instance.base}/durable/budget-participatif/gestion/krakow/depouiller/"
    http = requests.Session()

    def published():
        return instance.query("SELECT results, counted_at FROM budgeting_budget WHERE slug = 'krakow'")[
            0
        ], instance.query(
            "SELECT COUNT(*) FROM budgeting_project p JOIN budgeting_budget b ON p.budget_id = b.id "
            "WHERE b.slug = 'krakow' AND p.status != 'recevable'"
        )[0][0]

    def count():
        form = http.get(count_page, timeout=60)
        return http.post(
            count_page,
            data={"csrfmiddlewaretoken": csrf_token(form.text)},
            allow_redirects=False,
            timeout=300,
        )

    audit_before = instance.query("SELECT COUNT(*) FROM core_auditentry WHERE action = 'budget.count'")[0][0]
    for round_ in range(ROUNDS):
        instance.serve()
        if round_ == 0:  # the session is in the database: it outlives the kills
            login = http.get(f"{instance.base}/connexion/", timeout=60)
            answer = http.post(
                f"{instance.base}/connexion/",
                data={
                    "csrfmiddlewaretoken": csrf_token(login.text),
                    "username": "maire@durable.test",
                    "password": "mot-de-passe-durable",
                },
                allow_redirects=False,
                timeout=60,
            )
            assert answer.status_code == 302, answer.text[:2000]
        outcome: list = []
        thread = threading.Thread(target=lambda outcome=outcome: outcome.append(_try(count)), daemon=True)
        thread.start()
        wait_for(lambda: _counting(instance.db), what="the count to start")
        instance.kill_server()
        thread.join(timeout=60)
        assert outcome and isinstance(outcome[0], requests.RequestException), outcome  # cut, not answered
        assert published() == ((None, None), 0), "a count killed mid-way published something"
    assert (
        instance.query("SELECT COUNT(*) FROM core_auditentry WHERE action = 'budget.count'")[0][0]
        == audit_before
    )

    instance.serve()
    answer = count()
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/krakow/resultats/")
    instance.stop()
    (results, counted_at), _changed = published()
    assert counted_at is not None and json.loads(results)["winners"] == reference


def _try(call):
    try:
        return call()
    except requests.RequestException as error:
        return error
