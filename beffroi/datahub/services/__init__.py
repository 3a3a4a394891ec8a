"""Writes of the data hub, by sub-domain:

- ``observations``: the one path that stores measurements (rows, roll-ups, latest values, documents, alerts
  hook, notifications) and its front doors, the measurement batches of the platform API and of Python code;
- ``entities``: NGSI-LD entities and attributes, and the batch operations;
- ``uplinks``: LoRaWAN devices and the one path of their uplinks (webhooks and MQTT);
- ``assets``: an administrator's inventory of the commune's assets (add, edit, publish, delete);
- ``alerts``: alert rules, their evaluation, and the agents' actions on alerts;
- ``temporal``: the NGSI-LD temporal API's writes (instances through the observations' path);
- ``subscriptions``: NGSI-LD subscriptions and their matching on entity changes;
- ``notifications``: sending a subscription's notification (in the worker).

The names below are the services other modules call (``from beffroi.datahub import services``).
"""

# The default vocabulary, which callers of observation_ingest_batch prefix short names with.
from beffroi.datahub.ngsild.vocabulary import DEFAULT_VOCAB  # noqa: E402 (after the services, on purpose)
from beffroi.datahub.services.alerts import (
    alert_acknowledge,
    alert_close,
    alert_rule_create,
    alert_rule_delete,
    alert_rule_update,
    alerts_after_ingest,
    alerts_evaluate,
    alerts_evaluate_communes,
)
from beffroi.datahub.services.assets import asset_create, asset_delete, asset_set_public, asset_update
from beffroi.datahub.services.entities import (
    BatchResult,
    attr_delete,
    attr_partial_update,
    attr_replace,
    attrs_append,
    attrs_update,
    entities_expired_purge,
    entity_batch_create,
    entity_batch_delete,
    entity_batch_merge,
    entity_batch_update,
    entity_batch_upsert,
    entity_create,
    entity_delete,
    entity_merge,
    entity_purge,
    entity_replace,
    entity_set_public,
)
from beffroi.datahub.services.notifications import notification_send
from beffroi.datahub.services.observations import (
    IngestResult,
    Measurement,
    observation_ingest_batch,
    observation_ingest_documents,
    rollup_write_history,
)
from beffroi.datahub.services.subscriptions import (
    subscription_create,
    subscription_delete,
    subscription_update,
    subscriptions_periodic_notify,
)
from beffroi.datahub.services.temporal import (
    temporal_attr_delete,
    temporal_attrs_append,
    temporal_entity_delete,
    temporal_entity_upsert,
    temporal_instance_delete,
    temporal_instance_update,
)
from beffroi.datahub.services.uplinks import device_register, uplink_ingest, uplinks_ingest

__all__ = [
    "asset_create",
    "asset_delete",
    "asset_set_public",
    "asset_update",
    "DEFAULT_VOCAB",
    "BatchResult",
    "IngestResult",
    "Measurement",
    "alert_acknowledge",
    "alert_close",
    "alert_rule_create",
    "alert_rule_delete",
    "alert_rule_update",
    "alerts_after_ingest",
    "alerts_evaluate",
    "alerts_evaluate_communes",
    "attr_delete",
    "attr_partial_update",
    "attr_replace",
    "attrs_append",
    "attrs_update",
    "device_register",
    "entity_batch_create",
    "entity_batch_delete",
    "entity_batch_merge",
    "entity_batch_update",
    "entity_batch_upsert",
    "entity_create",
    "entity_delete",
    "entity_merge",
    "entity_purge",
    "entity_replace",
    "entity_set_public",
    "entities_expired_purge",
    "notification_send",
    "observation_ingest_batch",
    "observation_ingest_documents",
    "rollup_write_history",
    "subscription_create",
    "subscription_delete",
    "subscription_update",
    "subscriptions_periodic_notify",
    "temporal_attr_delete",
    "temporal_attrs_append",
    "temporal_entity_delete",
    "temporal_entity_upsert",
    "temporal_instance_delete",
    "temporal_instance_update",
    "uplink_ingest",
    "uplinks_ingest",
]
