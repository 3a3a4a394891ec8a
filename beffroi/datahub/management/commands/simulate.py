"""`beffroi simulate`: live simulated sensor data for the demo commune, through the real ingestion paths.

Every --interval seconds each demo device sends a plain JSON uplink: published to an MQTT broker with
--mqtt-host (then `beffroi mqtt` ingests it), otherwise handed to the same service the webhooks use.
"""

import json
import random
import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from beffroi.core.models import Commune
from beffroi.datahub import demo, services


class Command(BaseCommand):
    help = "Simule les capteurs de la commune de démonstration (uplinks JSON, par MQTT ou directement)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", default="valbourg")
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--mqtt-host", default="")
        parser.add_argument("--mqtt-port", type=int, default=1883)
        parser.add_argument(
            "--rounds", type=int, default=0, help="stop after N rounds (0: run until stopped)"
        )

    def handle(self, *args, **options):
        commune = Commune.objects.filter(slug=options["commune"]).first()
        if commune is None:
            raise CommandError(f"no commune {options['commune']!r}; run `beffroi demo` first")
        rng = random.Random()
        client = None
        if options["mqtt_host"]:
            import paho.mqtt.client as mqtt

            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="beffroi-simulator")
            client.connect(options["mqtt_host"], options["mqtt_port"])
            client.loop_start()
        rounds = 0
        try:
            while True:
                moment = datetime.now(UTC).replace(microsecond=0)
                results: dict[str, int] = {}
                for topic, body in demo.simulated_uplinks(commune, moment, rng):
                    if client is not None:
                        client.publish(topic, json.dumps(body), qos=1).wait_for_publish(5)
                        result = "published"
                    else:
                        result = services.uplink_ingest(
                            payload=json.dumps(body), topic=topic, commune=commune
                        )
                    results[result] = results.get(result, 0) + 1
                self.stdout.write(f"{moment.isoformat()}: {results}")
                rounds += 1
                if options["rounds"] and rounds >= options["rounds"]:
                    break
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            pass
        finally:
            if client is not None:
                client.loop_stop()
                client.disconnect()
