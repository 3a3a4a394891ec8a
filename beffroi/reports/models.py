"""Signalements: categories routed to teams, a per-commune state table typed open/closed, reports, their
photos (moderated before publication) and their history (public replies, internal notes, state changes)."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beffroi.core.codes import format_code
from beffroi.core.models import Commune
from beffroi.reports.presets import shipped_category_text, shipped_state_label
from beffroi.territory.selectors import near_words

QUESTION_TYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class Category(models.Model):
    """A kind of problem residents can report; each is routed to a team. Open311: a *service*."""

    class ServiceType(models.TextChoices):
        REALTIME = "realtime", _("immédiat (identifiant rendu tout de suite)")
        BATCH = "batch", _("différé (jeton rendu, identifiant ensuite)")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("groupe"), max_length=80, blank=True)
    keywords = models.CharField(_("mots-clés"), max_length=200, blank=True)
    team = models.ForeignKey(
        "territory.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service destinataire"),
    )
    # [{"code", "label", "type" (QUESTION_TYPES), "required", "help", "choices": [{"key", "name"}]}]
    questions = models.JSONField(_("questions complémentaires"), default=list, blank=True)
    service_type = models.CharField(
        _("type Open311"), max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="report_category_code_unique")
        ]

    def __str__(self) -> str:
        return self.display_name

    # What pages show: a shipped name or description in the visitor's language, the commune's own wording as is.
    @property
    def display_name(self) -> str:
        return shipped_category_text(self.code, self.name)

    @property
    def display_description(self) -> str:
        return shipped_category_text(self.code, self.description)

    def display_questions(self) -> list[dict[str, Any]]:
        """The questions as the form asks them: shipped labels, help and choice names translated."""
        shown = []
        for question in self.questions:
            shown_question = dict(question)
            for key in ("label", "help"):
                if question.get(key):
                    shown_question[key] = shipped_category_text(self.code, str(question[key]))
            if question.get("choices"):
                shown_question["choices"] = [
                    {
                        **choice,
                        "name": shipped_category_text(self.code, str(choice.get("name", choice["key"]))),
                    }
                    for choice in question["choices"]
                ]
            shown.append(shown_question)
        return shown


class State(models.Model):
    """One state of the commune's configurable workflow, typed open or closed (Open311 status)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("en cours de traitement")
        CLOSED = "closed", _("clos")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("libellé"), max_length=80)
    kind = models.CharField(_("nature"), max_length=6, choices=Kind.choices, default=Kind.OPEN)
    order = models.PositiveIntegerField(_("ordre"), default=0)
    is_initial = models.BooleanField(_("état initial"), default=False)

    class Meta:
        verbose_name = _("état")
        verbose_name_plural = _("états")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="report_state_code_unique"),
            models.UniqueConstraint(
                fields=["commune"], condition=models.Q(is_initial=True), name="report_state_one_initial"
            ),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """What pages show: a shipped label in the visitor's language, a label the commune chose as is."""
        return shipped_state_label(self.code, self.label)

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN


def location_words(*, typed: str, place_name: str | None, place_address: str | None, near: str) -> str:
    """Where a report is, in words. The place the person chose comes first, by its name (« Salle des fêtes »),
    with what they typed beside it when it says more than the place's own name or address; else the address
    typed; else « près du 14 rue des Écoles » (the address nearest to the point)."""
    typed = (typed or "").strip()
    if place_name:
        if typed and typed.lower() not in (place_name.lower(), (place_address or "").strip().lower()):
            return f"{place_name} — {typed}"
        return place_name
    return typed or near_words(near)


class Report(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("site internet")
        OPEN311 = "open311", _("application (Open311)")
        COUNTER = "guichet", _("accueil de la mairie")
        PHONE = "telephone", _("téléphone")
        MAIL = "courrier", _("courrier")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField(_("description"), max_length=4000)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address_string = models.CharField(_("adresse ou repère"), max_length=255, blank=True)
    # The commune's address nearest to the point (its Base Adresse Locale), found when the report is filed:
    # « près du 14 rue des Écoles » instead of coordinates wherever the report's place is shown.
    near_address = models.CharField(_("adresse la plus proche"), max_length=255, blank=True)
    place = models.ForeignKey(
        "territory.Place", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tracking_code = models.CharField(_("code de suivi"), max_length=8, unique=True)
    token = models.CharField(max_length=32, blank=True, db_index=True)  # Open311 batch services
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    is_open = models.BooleanField(default=True)  # copy of state.kind, for fast filters
    team = models.ForeignKey(
        "territory.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_name = models.CharField(_("nom"), max_length=120, blank=True)
    contact_email = models.EmailField(_("courriel"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    answers = models.JSONField(default=dict, blank=True)
    # The category's questions as they were when answered (label, type, choices): answers stay readable after
    # a question is reworded or removed from the category.
    answered_questions = models.JSONField(default=list, blank=True)
    media_url = models.URLField(max_length=500, blank=True)  # given by an Open311 client, not fetched
    supports_count = models.PositiveIntegerField(default=0)
    submitter_hash = models.CharField(max_length=64, blank=True, db_index=True)  # rate limiting only
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Not a column: metres from the searched point, set on the reports `selectors.report_nearby` returns.
    distance_m: int

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["commune", "-created_at"]),
            models.Index(fields=["commune", "is_open", "-created_at"]),
            models.Index(fields=["commune", "category", "is_open"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} — {self.category}"

    @property
    def display_code(self) -> str:
        return format_code(self.tracking_code)

    @property
    def location_label(self) -> str:
        """Where the report is, in words (`location_words`): the place chosen, the address typed, or « près du 14
        rue des Écoles »."""
        place = self.place if self.place_id is not None else None  # no query when place_id is None
        return location_words(
            typed=self.address_string,
            place_name=place.name if place else None,
            place_address=place.address if place else None,
            near=self.near_address,
        )


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="reports/photos/%Y/%m/")
    thumbnail = models.FileField(upload_to="reports/thumbs/%Y/%m/")
    published = models.BooleanField(_("publiée"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} ({self.report_id})"


class ReportEvent(models.Model):
    """One line of a report's history; public ones are shown to residents."""

    class Kind(models.TextChoices):
        CREATED = "created", _("signalement reçu")
        STATE = "state", _("changement d'état")
        ASSIGN = "assign", _("affectation")
        REPLY = "reply", _("réponse de la mairie")
        NOTE = "note", _("note interne")
        PHOTO = "photo", _("photo")
        DUE = "due", _("échéance")
        MERGE = "merge", _("doublon")
        SUPPORT = "support", _("soutien")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    public = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A « doublon » event names the other report, for the history to link to it: on the duplicate (a public
    # event) the report it was merged into, on that report (an internal event) the duplicate it received.
    other_report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.report_id})"

    @property
    def merged_into_other(self) -> bool:
        """A « doublon » event on the duplicate: « Fusionné avec le signalement n° … » (`other_report`)."""
        return self.kind == self.Kind.MERGE and self.other_report_id is not None and self.public

    @property
    def received_other(self) -> bool:
        """A « doublon » event on the report a duplicate (`other_report`) was merged into."""
        return self.kind == self.Kind.MERGE and self.other_report_id is not None and not self.public

    @property
    def due_on(self) -> date | None:
        """The day a « échéance » event set (its body keeps it as 2026-12-17), for the history to write it in words."""
        if self.kind != self.Kind.DUE:
            return None
        try:
            return date.fromisoformat(self.body)
        except ValueError:
            return None


class ReplyTemplate(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("texte"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "title"], name="report_template_title_unique")
        ]

    def __str__(self) -> str:
        return self.title
