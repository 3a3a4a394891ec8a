"""Storage of the data hub: NGSI-LD entities, their time series, latest values, roll-ups and LoRaWAN devices.

Entities keep their full normalized representation in expanded form (attribute names and types as IRIs), so
any client @context can compact them back. Time series live in their own narrow table; dashboards read the
latest-value table and the hourly/daily roll-ups, never the raw history.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import Commune


class Entity(models.Model):
    """An NGSI-LD entity of one commune (CIM 009 §4.5), stored normalized and expanded."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="datahub_entities")
    entity_id = models.CharField(_("identifiant NGSI-LD"), max_length=255)
    type_iri = models.CharField(_("type (IRI)"), max_length=255)
    type_name = models.CharField(_("type"), max_length=120)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    # Expanded normalized representation, without id/type (those are columns).
    data = models.JSONField(default=dict)
    # A representative point of the `location` GeoProperty, and its bounding box for geo prefiltering.
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    # Points (most sensors) are searched by an index range on both bounds of their longitude.
    is_point = models.BooleanField(default=False)
    is_public = models.BooleanField(_("publique"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("entité")
        verbose_name_plural = _("entités")
        constraints = [
            models.UniqueConstraint(fields=["commune", "entity_id"], name="datahub_entity_unique_id"),
        ]
        indexes = [
            # Type then longitude: a query by type and area narrows on both with one index.
            models.Index(
                fields=["commune", "type_iri", "is_point", "min_lon", "min_lat"],
                name="datahub_entity_type_lon",
            ),
            models.Index(fields=["commune", "is_point", "min_lon", "min_lat"], name="datahub_entity_lon"),
        ]
        ordering = ["entity_id"]

    def __str__(self) -> str:
        return self.name or self.entity_id


class Observation(models.Model):
    """One measured value of one attribute at one instant (the temporal representation's instances)."""

    # The unique (entity, attribute, observed_at) index serves lookups by entity: no second index to
    # maintain on every insert.
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="observations", db_index=False)
    attribute = models.CharField(max_length=255)  # expanded IRI
    observed_at = models.DateTimeField()
    value_num = models.FloatField(null=True, blank=True)
    value_text = models.TextField(null=True, blank=True)  # JSON text of a non-numeric value
    unit_code = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "attribute", "observed_at"], name="datahub_observation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribute} @ {self.observed_at}"


class LatestValue(models.Model):
    """The most recent value of each attribute of each entity (dashboards read only this)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="latest_values", db_index=False)
    attribute = models.CharField(max_length=255)
    observed_at = models.DateTimeField()
    value_num = models.FloatField(null=True, blank=True)
    value_text = models.TextField(null=True, blank=True)
    unit_code = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "attribute"], name="datahub_latest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute} @ {self.observed_at}"


class RollupBase(models.Model):
    """Aggregates of the numeric values of one attribute over one bucket (avg = sum / count)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", db_index=False)
    attribute = models.CharField(max_length=255)
    bucket = models.DateTimeField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    total = models.FloatField()
    count = models.IntegerField()

    class Meta:
        abstract = True

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0


class HourlyRollup(RollupBase):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "attribute", "bucket"], name="datahub_hourly_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute} {self.bucket}"


class DailyRollup(RollupBase):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "attribute", "bucket"], name="datahub_daily_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute} {self.bucket}"


class Device(models.Model):
    """A LoRaWAN end device: its DevEUI, the entity it feeds and how to read its payload."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="datahub_devices")
    dev_eui = models.CharField(_("DevEUI"), max_length=16, unique=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="devices")
    decoder_profile = models.CharField(_("profil de décodage"), max_length=60, default="network-server")
    # Measurement name → attribute short name of the entity (empty: same name).
    attribute_map = models.JSONField(default=dict, blank=True)
    last_f_cnt = models.BigIntegerField(null=True, blank=True)
    # The frame counter restarts when a device rejoins: a new session resets replay protection.
    last_session = models.CharField(max_length=64, blank=True, default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("capteur LoRaWAN")
        verbose_name_plural = _("capteurs LoRaWAN")

    def __str__(self) -> str:
        return self.name or self.dev_eui


class RejectedUplink(models.Model):
    """An uplink that could not be ingested, kept as received for inspection."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=40, blank=True)
    topic = models.CharField(max_length=255, blank=True)
    dev_eui = models.CharField(max_length=16, blank=True)
    reason = models.TextField()
    payload = models.TextField()

    class Meta:
        verbose_name = _("message rejeté")
        verbose_name_plural = _("messages rejetés")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.dev_eui or self.topic}: {self.reason[:60]}"


class Subscription(models.Model):
    """An NGSI-LD subscription (CIM 009 §5.2.12): entities to watch and an HTTP endpoint to notify."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="datahub_subscriptions")
    subscription_id = models.CharField(max_length=255)
    # The subscription as the client sent it, compacted (`@context` kept to answer in the same terms).
    body = models.JSONField(default=dict)
    entity_types = models.JSONField(default=list)  # expanded IRIs; empty: any type
    watched_attributes = models.JSONField(default=list)  # expanded IRIs; empty: any attribute
    endpoint = models.URLField(max_length=500)
    is_active = models.BooleanField(default=True)
    times_sent = models.IntegerField(default=0)
    times_failed = models.IntegerField(default=0)
    last_notification = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    last_failure = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "subscription_id"], name="datahub_subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.subscription_id
