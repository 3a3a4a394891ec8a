"""Démarches en ligne: a démarche and its immutable published versions, the dossiers filed under one version,
their pieces, pauses (pieces awaited), history, messages with the applicant and decision-letter templates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from beffroi.core.codes import format_code
from beffroi.core.models import Commune


class Regime(models.TextChoices):
    """What the administration's silence means (CRPA L231-1, L231-4)."""

    ACCEPTANCE = "sva", _("silence vaut acceptation")
    REJECTION = "svr", _("silence vaut rejet")
    NONE = "none", _("pas de décision implicite")


class Demarche(models.Model):
    """A procedure residents can file online; what they fill in is its published version's schema."""

    class Status(models.TextChoices):
        DRAFT = "brouillon", _("en préparation")
        PUBLISHED = "publiee", _("publiée")
        CLOSED = "fermee", _("fermée")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(_("identifiant"), max_length=80)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    team = models.ForeignKey(
        "territory.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service en charge"),
    )
    # The service's contact as the accusé de réception names it (R112-11-1); empty: the mairie's.
    service_address = models.CharField(_("adresse postale du service"), max_length=200, blank=True)
    service_email = models.EmailField(_("courriel du service"), blank=True)
    service_phone = models.CharField(_("téléphone du service"), max_length=30, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The builder's working copy (schema.check format); published as a new DemarcheVersion.
    draft_schema = models.JSONField(_("formulaire en préparation"), default=dict)
    current_version = models.ForeignKey(
        "DemarcheVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    template_code = models.CharField(_("modèle d'origine"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["commune", "slug"], name="demarche_slug_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.current_version_id is not None


class DemarcheVersion(models.Model):
    """One published form of a démarche. Never changed once written: a dossier keeps the version it was filed
    under, and publishing a change makes a new version."""

    demarche = models.ForeignKey(Demarche, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    schema = models.JSONField(_("formulaire"))
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("version publiée")
        verbose_name_plural = _("versions publiées")
        ordering = ["demarche", "-number"]
        constraints = [models.UniqueConstraint(fields=["demarche", "number"], name="demarche_version_unique")]

    def __str__(self) -> str:
        return f"{self.demarche} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A published version is immutable: publish a new one.")
        super().save(*args, **kwargs)

    @property
    def regime(self) -> str:
        return str(self.schema.get("regime", {}).get("kind") or Regime.ACCEPTANCE)

    @property
    def months(self) -> int | None:
        months = self.schema.get("regime", {}).get("months")
        return int(months) if months else None


class Dossier(models.Model):
    """A request filed (or being prepared) under one version of a démarche."""

    class State(models.TextChoices):
        DRAFT = "brouillon", _("brouillon")
        FILED = "depose", _("déposé")
        INSTRUCTION = "en_instruction", _("en instruction")
        INCOMPLETE = "incomplet", _("dossier incomplet : pièces demandées")
        ACCEPTED = "accepte", _("accepté")
        REFUSED = "refuse", _("refusé")
        CLOSED = "sans_suite", _("classé sans suite")

    class Channel(models.TextChoices):
        WEB = "web", _("site internet")
        COUNTER = "guichet", _("accueil de la mairie")
        PHONE = "telephone", _("téléphone")
        MAIL = "courrier", _("courrier")
        API = "api", _("application (API)")

    class Kind(models.TextChoices):
        PERSON = "particulier", _("particulier")
        COMPANY = "entreprise", _("entreprise")
        ASSOCIATION = "association", _("association")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    demarche = models.ForeignKey(Demarche, on_delete=models.PROTECT, related_name="dossiers")
    version = models.ForeignKey(DemarcheVersion, on_delete=models.PROTECT, related_name="dossiers")
    tracking_code = models.CharField(_("code de suivi"), max_length=8, unique=True)
    # The private link's secret: resumes a draft and opens the dossier without an account.
    access_token = models.CharField(max_length=43, unique=True)
    state = models.CharField(_("état"), max_length=16, choices=State.choices, default=State.DRAFT)
    applicant_kind = models.CharField(
        _("demandeur"), max_length=12, choices=Kind.choices, default=Kind.PERSON
    )
    # {"first_name", "last_name", "email", "phone", "address": {...}, "siret", "company_name", "rna",
    #  "association_name"}: what the law asks to identify the applicant (CRPA L112-9, R112-9-1).
    identity = models.JSONField(default=dict, blank=True)
    applicant_email = models.EmailField(_("courriel du demandeur"), blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent ayant saisi"),
    )
    # The mandate of a dossier an agent files for the applicant (counter, phone, letter; `channel` says how,
    # `filed_by` who typed it): who made the request when not the applicant in person (« sa fille, Marie
    # Dupont »), and when the applicant's consent to have it filed in their name was recorded.
    mandate_requester = models.CharField(_("demande faite par"), max_length=200, blank=True)
    mandate_consent_at = models.DateTimeField(_("accord du demandeur recueilli le"), null=True, blank=True)
    team = models.ForeignKey(
        "territory.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_on = models.DateField(_("reçu le"), null=True, blank=True)
    filed_at = models.DateTimeField(_("déposé le"), null=True, blank=True)
    # The implicit-decision date as last computed (deadlines.implicit_decision_date), for the queue's order.
    deadline = models.DateField(_("décision implicite le"), null=True, blank=True)
    # The queue's order, kept by the database itself: the deadline, or the end of time when there is none
    # (no implicit decision, pieces awaited), so an index serves « nearest date first, then the others ».
    queue_rank = models.GeneratedField(
        expression=Coalesce("deadline", Value(date(9999, 12, 31))),
        output_field=models.DateField(),
        db_persist=True,
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decision_text = models.TextField(_("lettre de décision"), blank=True)
    decision_signatory = models.CharField(_("signataire"), max_length=200, blank=True)
    submitter_hash = models.CharField(max_length=64, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    OPEN_STATES = (State.FILED, State.INSTRUCTION, State.INCOMPLETE)
    DECIDED_STATES = (State.ACCEPTED, State.REFUSED, State.CLOSED)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["commune", "state", "queue_rank", "filed_at"]),
            models.Index(fields=["commune", "demarche", "state"]),
            models.Index(fields=["commune", "-filed_at"]),
            models.Index(fields=["commune", "queue_rank", "filed_at"]),
            # the anonymous drafts of one connection in the last hour (the rate limit): without it SQLite
            # counts them by walking every dossier of the commune
            models.Index(fields=["commune", "submitter_hash", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} — {self.demarche}"

    @property
    def display_code(self) -> str:
        return format_code(self.tracking_code)

    @property
    def applicant_name(self) -> str:
        identity = self.identity or {}
        if self.applicant_kind == self.Kind.COMPANY and identity.get("company_name"):
            return str(identity["company_name"])
        if self.applicant_kind == self.Kind.ASSOCIATION and identity.get("association_name"):
            return str(identity["association_name"])
        return " ".join(p for p in (identity.get("first_name", ""), identity.get("last_name", "")) if p)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_decided(self) -> bool:
        return self.state in self.DECIDED_STATES

    @property
    def filed_online(self) -> bool:
        """Filed by the applicant on the site or through an application: the receipt is then the accusé
        d'enregistrement électronique (CRPA L112-11); a counter, phone or letter filing is recorded by an agent."""
        return self.channel in (self.Channel.WEB, self.Channel.API)

    @property
    def decision_label(self) -> str:
        """The decision in a word that agrees with « décision » (feminine: « Décision : acceptée »), where the
        state's label agrees with « dossier » (« accepté »); '' while undecided."""
        labels: dict[str, Any] = {
            self.State.ACCEPTED: _("acceptée"),
            self.State.REFUSED: _("refusée"),
            self.State.CLOSED: _("classée sans suite"),
        }
        return str(labels.get(self.state, ""))


class DossierFile(models.Model):
    """A piece joined to a dossier: an answer to a file field (`field_key`, `enfants-0-certificat` in a block)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    field_key = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="procedures/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class DossierPause(models.Model):
    """Pieces asked for (CRPA L114-5): the period stops on `started_on` and runs again on `ended_on`."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    pieces = models.TextField(_("pièces demandées"))

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.started_on} → {self.ended_on or '…'}"


class DossierEvent(models.Model):
    """One line of a dossier's history. Public lines are shown to the applicant; notes are the agents' own."""

    class Kind(models.TextChoices):
        CREATED = "created", _("brouillon créé")
        FILED = "filed", _("dossier déposé")
        STATE = "state", _("changement d'état")
        ASSIGN = "assign", _("affectation")
        NOTE = "note", _("annotation privée")
        PIECES = "pieces", _("pièces demandées")
        ANSWERED = "answered", _("pièces reçues")
        DECISION = "decision", _("décision")
        REMINDER = "reminder", _("rappel d'échéance")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.dossier_id})"


class DossierMessage(models.Model):
    """A message between the mairie and the applicant, with an optional attachment."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="messages")
    from_applicant = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=5000)
    attachment = models.FileField(upload_to="procedures/messages/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.dossier_id})"


class DecisionTemplate(models.Model):
    """A decision letter's text, with `{{ champ }}` placeholders filled from the dossier (letters.render)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepte", _("acceptation")
        REFUSED = "refuse", _("refus")
        CLOSED = "sans_suite", _("classement sans suite")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("titre"), max_length=120)
    outcome = models.CharField(_("décision"), max_length=12, choices=Outcome.choices)
    body = models.TextField(_("texte de la lettre"))
    signatory = models.CharField(_("signataire"), max_length=200, blank=True)

    class Meta:
        ordering = ["outcome", "title"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "title"], name="decision_template_title_unique")
        ]

    def __str__(self) -> str:
        return self.title
