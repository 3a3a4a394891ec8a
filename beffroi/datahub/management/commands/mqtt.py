"""`beffroi mqtt`: subscribe to an MQTT broker (Mosquitto) and ingest LoRaWAN and plain JSON uplinks.

Topics (configurable with --topic, repeatable):
- The Things Stack v3: ``v3/+/devices/+/up``
- ChirpStack v4: ``application/+/device/+/event/up``
- Beffroi plain JSON: ``beffroi/+/devices/+/up``

Messages are received with QoS 1 and acknowledged only after they are stored (or set aside as rejected), so
a worker killed mid-ingestion gets them again from the broker and loses nothing that was acknowledged; a
batch the database refuses (unreachable, locked too long) stays unacknowledged and is stored again;
replays of an already stored frame are dropped by the frame-counter check. The messages the broker has
already delivered are stored together, in one transaction (its in-flight window bounds a batch: Mosquitto's
``max_inflight_messages``, 20 by default).

The worker is the data hub's long-running process, so it also evaluates every commune's alert rules once a
minute (--alerts-every, 0 to disable): "no data for N minutes" rules fire although nothing arrives. With it
running, `beffroi alerts` needs no timer.

While the worker is stopped, the broker keeps its QoS 1 messages in the worker's persistent session, but only
up to ``max_queued_messages`` (1,000 by default in Mosquitto): beyond it the newest are dropped, silently for
the worker. Mosquitto publishes no limit in ``$SYS`` (only its version, counters and loads), so the worker
cannot read it: at start it names the broker (``$SYS/broker/version``) and warns, once, unless
BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED says the broker runs with ``max_queued_messages 0`` (the configuration
shipped in docs/mosquitto/beffroi.conf; see docs/operations.md, "Mosquitto").
"""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

log = logging.getLogger("beffroi.datahub.mqtt")

DEFAULT_TOPICS = ("v3/+/devices/+/up", "application/+/device/+/event/up", "beffroi/+/devices/+/up")


SYS_VERSION = "$SYS/broker/version"
QUEUE_WARNING = (
    "MQTT broker {broker}: messages sent while this worker is stopped are kept only up to the broker's "
    "max_queued_messages (1,000 by default in Mosquitto), then dropped without the worker knowing; the broker "
    "does not publish that limit. Run Mosquitto with max_queued_messages 0 and persistence on "
    "(docs/mosquitto/beffroi.conf, docs/operations.md section Mosquitto), then set "
    "BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED=true to silence this warning."
)

BATCH_MAX = 1000  # messages stored in one transaction at most
BATCH_WAIT = 0.05  # seconds spent gathering a batch at most
SYS_WAIT = 2.0  # seconds to wait for the broker's $SYS version before warning without it
RETRY_WAIT = 1.0  # seconds before storing again a batch the database refused (kept unacknowledged meanwhile)


def handle_message(topic: str, payload: bytes) -> str:
    """Ingest one MQTT message (never raises)."""
    return handle_messages([(topic, payload)])[0]


def handle_messages(messages: list[tuple[str, bytes]]) -> list[str]:
    """Ingest MQTT messages in one transaction; one result per message. Raises only when nothing could be
    stored (the database is unreachable): the messages must then stay unacknowledged."""
    from beffroi.datahub.services import uplinks_ingest

    if not connection.in_atomic_block:  # (tests run inside a transaction)
        close_old_connections()
    return uplinks_ingest(messages)


def evaluate_alerts() -> dict[str, int] | None:
    """Evaluate every commune's alert rules (the periodic pass; never raises)."""
    from beffroi.datahub.services import alerts_evaluate_communes, entities_expired_purge

    try:
        if not connection.in_atomic_block:
            close_old_connections()
        totals = alerts_evaluate_communes()
        entities_expired_purge()
    except Exception:
        log.exception("periodic alert evaluation failed")
        return None
    if totals["opened"] or totals["closed"]:
        log.info("alerts: %(opened)s opened, %(closed)s closed", totals)
    return totals


class Command(BaseCommand):
    help = "Reçoit les uplinks LoRaWAN (TTS v3, ChirpStack v4) et JSON d'un broker MQTT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="localhost")
        parser.add_argument("--port", type=int, default=1883)
        parser.add_argument("--username", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--topic", action="append", dest="topics", help="topic filter (repeatable)")
        parser.add_argument("--client-id", default="beffroi-datahub")
        parser.add_argument("--max-messages", type=int, default=0, help="stop after N messages (tests)")
        parser.add_argument("--timeout", type=float, default=0, help="stop after N seconds (tests)")
        parser.add_argument(
            "--alerts-every",
            type=float,
            default=60,
            help="evaluate every commune's alert rules every N seconds (no-data rules); 0: never",
        )

    def handle(self, *args, **options):
        import paho.mqtt.client as mqtt

        topics = options["topics"] or list(DEFAULT_TOPICS)
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=options["client_id"],
            clean_session=False,
            manual_ack=True,
        )
        if options["username"]:
            client.username_pw_set(options["username"], options["password"] or None)
        state = {"count": 0, "stop": False, "warned": False}
        queue_unlimited = bool(getattr(settings, "BEFFROI_MQTT_BROKER_QUEUE_UNLIMITED", False))
        started = time.monotonic()

        def warn_queue(broker: str) -> None:
            """Once per run: the broker's queue limit may drop what it holds for this worker while it is down."""
            if state["warned"] or queue_unlimited:
                return
            state["warned"] = True
            message = QUEUE_WARNING.format(broker=broker)
            log.warning(message)
            self.stderr.write(message)

        def on_connect(client, userdata, flags, reason_code, properties):
            for topic in topics:
                client.subscribe(topic, qos=1)
            client.subscribe(SYS_VERSION, qos=0)  # names the broker in the warning (retained, sent at once)
            self.stdout.write(
                f"MQTT connected to {options['host']}:{options['port']}, topics: {', '.join(topics)}"
            )

        pending: list = []

        def on_message(client, userdata, message):
            if message.topic == SYS_VERSION:
                client.unsubscribe(SYS_VERSION)
                broker = message.payload.decode("utf-8", errors="replace")[:100]
                log.info("MQTT broker: %s", broker)
                warn_queue(broker)
                return
            pending.append(message)  # stored by flush(), acknowledged once committed

        def flush():
            batch = pending[:]
            pending.clear()
            try:
                results = handle_messages([(m.topic, m.payload) for m in batch])
            except Exception:
                # Nothing was stored: acknowledge nothing, keep the messages, try again (a worker killed
                # meanwhile gets them again from the broker).
                log.exception("storing %s message(s) failed; kept unacknowledged, retrying", len(batch))
                pending[:0] = batch
                if not connection.in_atomic_block:
                    connection.close()
                time.sleep(RETRY_WAIT)
                return
            for message, result in zip(batch, results, strict=True):
                client.ack(message.mid, message.qos)
                log.info("%s %s", message.topic, result)
            state["count"] += len(batch)
            if options["max_messages"] and state["count"] >= options["max_messages"]:
                state["stop"] = True

        client.on_connect = on_connect
        client.on_message = on_message
        signal.signal(signal.SIGTERM, lambda *a: state.update(stop=True))
        client.connect(options["host"], options["port"], keepalive=30)
        every = options["alerts_every"]
        next_alerts = started + every
        # The network loop runs in this thread: messages are stored by the thread that owns the DB connection.
        try:
            while not state["stop"]:
                now = time.monotonic()
                if options["timeout"] and now - started > options["timeout"]:
                    break
                if now - started > SYS_WAIT:  # a broker that publishes no $SYS version (or forbids it)
                    warn_queue(f"{options['host']}:{options['port']}")
                if every and now >= next_alerts:
                    next_alerts = now + every
                    evaluate_alerts()
                client.loop(timeout=0.1)
                if pending:
                    # Gather what the broker has already sent (up to its in-flight window), then store it
                    # in one transaction.
                    deadline = time.monotonic() + BATCH_WAIT
                    while len(pending) < BATCH_MAX and time.monotonic() < deadline:
                        before = len(pending)
                        client.loop(timeout=0.005)
                        if len(pending) == before:
                            break
                    flush()
        except KeyboardInterrupt:
            pass
        finally:
            client.disconnect()
        self.stdout.write(f"{state['count']} message(s) handled")
