"""Storage of the data hub: NGSI-LD entities, their time series, latest values, roll-ups and LoRaWAN devices.

Entities keep their full normalized representation in expanded form (attribute names and types as IRIs), so
any client @context can compact them back. Time series live in their own narrow table; dashboards read the
latest-value table and the hourly/daily roll-ups, never the raw history.
"""

from django.conf import settings
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
    # A transient entity's expiresAt (NGSI-LD §4.5.x, V1.8.1+): from then on it is gone for every reader, and
    # the periodic pass deletes it.
    expires_at = models.DateTimeField(null=True, blank=True)
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
        """Its name; an entity sent without one reads by its type and the end of its identifier
        (« Conteneur à déchets valbourg-1 » for urn:ngsi-ld:WasteContainer:valbourg-1), never the bare URN."""
        if self.name:
            return self.name
        from beffroi.datahub.labels import type_label

        prefix = f"urn:ngsi-ld:{self.type_name}:"
        if self.type_name and self.entity_id.startswith(prefix) and len(self.entity_id) > len(prefix):
            return f"{type_label(self.type_name)} {self.entity_id[len(prefix) :]}"
        return self.entity_id


class EntityTypeLink(models.Model):
    """One of the types of a multi-typed entity (CIM 009 §4.16). An entity of one type is found by its
    ``type_iri`` alone; one of several types has a row here for each, so a query by any of them finds it."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="type_links")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    type_iri = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "type_iri"], name="datahub_typelink_unique"),
        ]
        indexes = [models.Index(fields=["commune", "type_iri"], name="datahub_typelink_type")]

    def __str__(self) -> str:
        return self.type_iri


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
    # The NGSI-LD datasetId of a multi-instance attribute (§4.5.5); NULL for the default instance (ingestion
    # writes only default instances and never names this column).
    dataset_id = models.CharField(max_length=255, null=True, blank=True)

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


# ------------------------------------------------------------------------------------------------ alerts


class AlertRule(models.Model):
    """A watch on one attribute of every entity of one type, and the team to warn (see alerting.py)."""

    class Kind(models.TextChoices):
        ABOVE = "above", _("Au-dessus d'un seuil pendant une durée")
        BELOW = "below", _("En dessous d'un seuil pendant une durée")
        NO_DATA = "no_data", _("Aucune mesure depuis une durée")
        RATE = "rate", _("Variation plus rapide qu'un seuil par heure")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="datahub_alert_rules")
    label = models.CharField(_("intitulé"), max_length=200)
    entity_type = models.CharField(_("type d'équipement"), max_length=120)
    attribute = models.CharField(_("mesure surveillée"), max_length=120)
    kind = models.CharField(_("condition"), max_length=10, choices=Kind.choices)
    threshold = models.FloatField(_("seuil"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"), default=0)
    team = models.ForeignKey(
        "territory.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="datahub_alert_rules",
        verbose_name=_("service responsable"),
    )
    is_active = models.BooleanField(_("règle active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("règle d'alerte")
        verbose_name_plural = _("règles d'alerte")
        ordering = ["label"]
        indexes = [models.Index(fields=["commune", "is_active"], name="datahub_alertrule_active")]

    def __str__(self) -> str:
        return self.label


class Alert(models.Model):
    """One occurrence of a rule's condition on one entity, from its opening to its closing."""

    class State(models.TextChoices):
        OPEN = "open", _("Ouverte")
        ACKNOWLEDGED = "acknowledged", _("Prise en compte")
        CLOSED = "closed", _("Clôturée")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="datahub_alerts")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="alerts")
    state = models.CharField(_("état"), max_length=12, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("ouverte le"))
    acknowledged_at = models.DateTimeField(_("prise en compte le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    value = models.FloatField(_("valeur relevée"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        ordering = ["-opened_at"]
        constraints = [
            # At most one alert not yet closed per rule and entity.
            models.UniqueConstraint(
                fields=["rule", "entity"],
                condition=~models.Q(state="closed"),
                name="datahub_alert_one_open_per_rule_entity",
            ),
        ]
        indexes = [models.Index(fields=["commune", "state"], name="datahub_alert_state")]

    def __str__(self) -> str:
        return f"{self.rule} — {self.entity}"


class AlertEvent(models.Model):
    """One step of an alert's history: opened, notified, acknowledged, closed (by an agent or automatically)."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Ouverture")
        ACKNOWLEDGED = "acknowledged", _("Prise en compte")
        CLOSED = "closed", _("Clôture")
        AUTO_CLOSED = "auto_closed", _("Résolue automatiquement")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=14, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("événement d'alerte")
        verbose_name_plural = _("événements d'alerte")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"
