"""Citizen participation beyond the budget: consultations, proposals with supports, public meetings.

Secrecy of a consultation's answers, as for the budget's ballots: a `Respondent` row says WHO answered (so a
person answers once); what they answered lives in an `AnswerSheet` under a random token that no row of
`Respondent` keeps (for an anonymous consultation), so nobody — agent, administrator or the platform itself —
can join one to the other. Agents' pages read `Respondent` rows only; results read `AnswerSheet` rows only.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import CommuneOwned

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# ----------------------------------------------------------------------------------------------------------------
# Consultations
# ----------------------------------------------------------------------------------------------------------------


class Audience(models.TextChoices):
    ANYONE = "tous", _("tout le monde, sans compte")
    ACCOUNT = "compte", _("les habitants ayant un compte")
    VERIFIED = "verifies", _("les habitants vérifiés par la mairie (comme les votants du budget)")


class ConsultationState(models.TextChoices):
    DRAFT = "preparation", _("en préparation")
    UPCOMING = "a_venir", _("à venir")
    OPEN = "ouverte", _("ouverte")
    CLOSED = "close", _("close")


class Consultation(CommuneOwned):
    """A questionnaire put to the residents between two dates; results published once it closes."""

    title = models.CharField(_("titre"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60)
    description = models.TextField(_("présentation"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    audience = models.CharField(_("qui peut répondre"), max_length=10, choices=Audience.choices)
    anonymous = models.BooleanField(
        _("réponses anonymes"),
        default=True,
        help_text=_(
            "Les réponses ne sont jamais reliées à la personne, comme un bulletin de vote : la mairie sait qui a "
            "répondu, jamais ce qu'il a répondu."
        ),
    )
    published = models.BooleanField(
        _("publiée"), default=False, help_text=_("Tant qu'elle n'est pas publiée, seule la mairie la voit.")
    )
    decision = models.TextField(_("ce que nous avons décidé et pourquoi"), blank=True)
    decision_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "slug"], name="consultation_slug_unique_per_commune"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        if not self.published:
            return ConsultationState.DRAFT
        now = timezone.now()
        if now < self.opens_at:
            return ConsultationState.UPCOMING
        if now < self.closes_at:
            return ConsultationState.OPEN
        return ConsultationState.CLOSED

    @property
    def state_label(self) -> "StrOrPromise":
        return ConsultationState(self.state).label

    @property
    def is_open(self) -> bool:
        return self.state == ConsultationState.OPEN

    @property
    def results_published(self) -> bool:
        """Results are public once the consultation has closed (never while answers still come in)."""
        return self.state == ConsultationState.CLOSED


class QuestionKind(models.TextChoices):
    SINGLE = "choix_unique", _("choix unique")
    MULTIPLE = "choix_multiple", _("choix multiple")
    RANKING = "classement", _("classement")
    SCALE = "echelle", _("échelle de 1 à 5")
    SHORT_TEXT = "texte_court", _("texte court")
    LONG_TEXT = "texte_long", _("texte long")
    ILLUSTRATED = "illustre", _("choix entre des options illustrées")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.ILLUSTRATED)
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("ordre"), default=1)
    kind = models.CharField(_("type de question"), max_length=16, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("aide"), max_length=300, blank=True)
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    max_choices = models.PositiveSmallIntegerField(
        _("nombre maximum de choix"),
        null=True,
        blank=True,
        help_text=_("Choix multiple : laisser vide pour ne pas limiter."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def has_options(self) -> bool:
        return self.kind in CHOICE_KINDS


class Option(models.Model):
    """A choice offered by a question (with an image for an illustrated choice)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("ordre"), default=1)
    label = models.CharField(_("option"), max_length=200)
    image = models.ImageField(_("illustration"), upload_to="participation/options/%Y/", blank=True)
    image_alt = models.CharField(
        _("description de l'illustration"),
        max_length=300,
        blank=True,
        help_text=_("Ce que montre l'image, lu aux personnes qui ne la voient pas."),
    )

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    ONLINE = "en_ligne", _("en ligne")
    PAPER = "papier", _("questionnaire papier")
    COUNTER = "guichet", _("au guichet")


class Respondent(models.Model):
    """That a person answered a consultation — never what (for an anonymous consultation). One per person."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="respondents")
    # SET_NULL: an erased account's answer stays counted (published results stay as they were).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Without an account ("tout le monde"): the random key kept in the browser's session, so the same browser
    # cannot answer twice (a person using another browser can: said on the page and in the docs).
    browser_key = models.CharField(max_length=64, blank=True, db_index=True)
    submitter_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Only for a consultation that is NOT anonymous: the sheet's token, so that agents can read who said what.
    sheet_token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participation à une consultation")
        verbose_name_plural = _("participations aux consultations")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "person"],
                name="respondent_once_per_person",
                condition=models.Q(person__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["consultation", "browser_key"],
                name="respondent_once_per_browser",
                condition=~models.Q(browser_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — {self.pk}"


class AnswerSheet(models.Model):
    """One person's answers, under a random token: `answers` maps a question's id (text) to its answer.

    single / illustrated: an option id · multiple: a list of option ids · ranking: option ids, first preferred
    first · scale: 1 to 5 · short / long text: the text. No date, no person: nothing to join it to its author.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sheets")
    token = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    answers = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("réponses")
        verbose_name_plural = _("réponses")

    def __str__(self) -> str:
        return f"{self.consultation} — {self.token[:8]}…"


class ConsultationVerification(models.Model):
    """A resident checked by an agent at the counter (identity, home in the commune) for a « vérifiés » consultation."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="verifications")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    checks = models.JSONField(default=list)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "person"], name="consultation_verification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — {self.person_id}"


class PaperEntry(models.Model):
    """One agent's entry of one numbered paper questionnaire; it counts once two agents' entries agree."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="paper_entries")
    paper_number = models.PositiveIntegerField(_("numéro du questionnaire papier"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper_number", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "paper_number", "entered_by"],
                name="participation_paper_once_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — n° {self.paper_number}"

    @property
    def entered_by_name(self) -> str:
        if self.entered_by is None:
            return str(_("un agent dont le compte a été supprimé"))
        return self.entered_by.get_full_name() or self.entered_by.email


# ----------------------------------------------------------------------------------------------------------------
# Proposals
# ----------------------------------------------------------------------------------------------------------------


class ProposalRules(CommuneOwned):
    """The commune's rules for residents' proposals: the supports that oblige an answer, and the delays."""

    support_threshold = models.PositiveIntegerField(
        _("seuil de soutiens"),
        default=50,
        help_text=_(
            "Une proposition qui atteint ce nombre de soutiens reçoit une réponse publique de la commune."
        ),
    )
    support_days = models.PositiveSmallIntegerField(_("durée de recueil des soutiens (jours)"), default=90)
    answer_days = models.PositiveSmallIntegerField(
        _("délai de réponse de la commune (jours)"),
        default=60,
        help_text=_("Compté à partir du jour où la proposition atteint le seuil."),
    )

    class Meta:
        verbose_name = _("règles des propositions")
        verbose_name_plural = _("règles des propositions")
        constraints = [models.UniqueConstraint(fields=["commune"], name="proposal_rules_one_per_commune")]

    def __str__(self) -> str:
        return f"{self.commune} — {self.support_threshold}"


class ProposalStatus(models.TextChoices):
    OPEN = "ouverte", _("ouverte aux soutiens")
    ACCEPTED = "acceptee", _("acceptée")
    REFUSED = "refusee", _("refusée")
    MERGED = "fusionnee", _("fusionnée avec une proposition semblable")
    CLOSED = "close", _("soutiens clos sans atteindre le seuil")


class Proposal(CommuneOwned):
    """A resident's proposal; others support it; past the threshold the commune owes a public answer."""

    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("proposition"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Filed at the counter for a person without an account: the name they gave (shown to agents only).
    author_name = models.CharField(_("nom de la personne"), max_length=100, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    created_at = models.DateTimeField(default=timezone.now)
    supports_close_at = models.DateTimeField(_("fin du recueil des soutiens"))
    threshold = models.PositiveIntegerField(_("seuil de soutiens"))
    answer_days = models.PositiveSmallIntegerField(_("délai de réponse (jours)"))
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(_("réponse due le"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    answer = models.TextField(_("réponse de la commune"), blank=True)
    followup = models.TextField(_("suite donnée"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_proposals"
    )
    # A picture the resident gave (re-encoded: no EXIF/GPS left), its thumbnail for the cards, and what it shows.
    picture = models.FileField(_("photo"), upload_to="participation/photos/%Y/", blank=True)
    picture_thumbnail = models.FileField(upload_to="participation/vignettes/%Y/", blank=True)
    picture_alt = models.CharField(_("ce que montre la photo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> "StrOrPromise":
        """The state as residents read it: an open proposal whose supports closed below the threshold says so."""
        if (
            self.status == ProposalStatus.OPEN
            and self.threshold_reached_at is None
            and timezone.now() >= self.supports_close_at
        ):
            return ProposalStatus.CLOSED.label
        return ProposalStatus(self.status).label

    @property
    def accepts_supports(self) -> bool:
        return self.status == ProposalStatus.OPEN and timezone.now() < self.supports_close_at

    @property
    def answered(self) -> bool:
        return self.status in (ProposalStatus.ACCEPTED, ProposalStatus.REFUSED)

    @property
    def overdue(self) -> bool:
        return bool(
            self.answer_due_at
            and not self.answered
            and self.status != ProposalStatus.MERGED
            and timezone.now() > self.answer_due_at
        )


class Support(models.Model):
    """One person's support of a proposal (one per person; withdrawn by deleting it)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="support_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} — {self.person_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("commentaire"))
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id} — {self.pk}"

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommentReport(models.Model):
    """A resident flags a comment to the moderators (once per person and comment)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("motif du signalement"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="comment_report_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} — {self.reporter_id}"


# ----------------------------------------------------------------------------------------------------------------
# Public meetings
# ----------------------------------------------------------------------------------------------------------------


class Meeting(CommuneOwned):
    """A réunion publique: when, where (with its point on the map), agenda, registrations, then minutes."""

    title = models.CharField(_("titre"), max_length=150)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place_name = models.CharField(_("lieu"), max_length=150)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    agenda = models.TextField(_("ordre du jour"))
    capacity = models.PositiveIntegerField(
        _("nombre de places"), null=True, blank=True, help_text=_("Laisser vide : sans limite.")
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("consultation liée"),
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("proposition liée"),
    )
    minutes = models.TextField(_("compte rendu"), blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("réunion publique")
        verbose_name_plural = _("réunions publiques")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_past(self) -> bool:
        return (self.ends_at or self.starts_at) < timezone.now()


class MeetingDocument(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titre du document"), max_length=150)
    file = models.FileField(_("fichier"), upload_to="participation/meetings/%Y/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    """A place booked at a meeting, with or without an account; cancelled by the private link mailed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse électronique"))
    seats = models.PositiveSmallIntegerField(_("nombre de places"), default=1)
    # SHA-256 of the private cancellation token (the token itself is only in the mail).
    cancel_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.meeting} — {self.name}"


# ----------------------------------------------------------------------------------------------------------------
# Citizen panels drawn by lot
# ----------------------------------------------------------------------------------------------------------------


class Panel(CommuneOwned):
    """A citizens' panel: volunteers collected, quotas per feature, then a public, checkable draw by lot.

    `quotas_text` is the quotas file (`category,feature,min,max`, read by `sortition.parse_quotas`); the draw
    stores what anyone needs to check it: the LEXIMIN probabilities, the lottery's panels (ticket t is
    `lottery[t - 1]`), the published seed and the ticket it picked.
    """

    title = models.CharField(_("titre"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60)
    description = models.TextField(_("présentation"), blank=True)
    size = models.PositiveSmallIntegerField(_("taille du panel"))
    quotas_text = models.TextField(_("quotas"))
    volunteers_close_at = models.DateTimeField(_("fin de l'appel aux volontaires"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The draw
    drawn_at = models.DateTimeField(null=True, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    ticket = models.PositiveIntegerField(null=True, blank=True)
    lottery = models.JSONField(default=list, blank=True)  # [[volunteer ref, …] for each ticket]
    probabilities = models.JSONField(default=dict, blank=True)  # LEXIMIN: {ref: probability}
    lottery_probabilities = models.JSONField(default=dict, blank=True)  # share of tickets: {ref: p}
    greedy_probabilities = models.JSONField(default=dict, blank=True)  # {ref: p}, estimated over many draws
    min_probability = models.FloatField(null=True, blank=True)
    optimality_gap = models.FloatField(null=True, blank=True)
    greedy_min_probability = models.FloatField(null=True, blank=True)
    greedy_runs = models.PositiveIntegerField(null=True, blank=True)
    max_deviation = models.FloatField(null=True, blank=True)
    deviation_bound = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("panel citoyen")
        verbose_name_plural = _("panels citoyens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "slug"], name="panel_slug_unique_per_commune")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def drawn(self) -> bool:
        return self.drawn_at is not None

    @property
    def collecting(self) -> bool:
        if self.drawn:
            return False
        return self.volunteers_close_at is None or timezone.now() < self.volunteers_close_at


class VolunteerStatus(models.TextChoices):
    VOLUNTEER = "volontaire", _("volontaire")
    SELECTED = "tire", _("tiré·e au sort")
    WITHDRAWN = "retire", _("s'est retiré·e")
    REPLACEMENT = "remplacant", _("tiré·e en remplacement")


class PanelVolunteer(models.Model):
    """A volunteer for a panel: a public reference (V001…), contact details for the mairie, a feature per
    category of the quotas."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="volunteers")
    ref = models.CharField(_("référence"), max_length=40)
    name = models.CharField(_("nom"), max_length=100, blank=True)
    email = models.EmailField(_("adresse électronique"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    features = models.JSONField(default=dict)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(
        max_length=12, choices=VolunteerStatus.choices, default=VolunteerStatus.VOLUNTEER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ref"]
        constraints = [models.UniqueConstraint(fields=["panel", "ref"], name="panel_volunteer_ref_unique")]

    def __str__(self) -> str:
        return f"{self.panel} — {self.ref}"

    @property
    def on_panel(self) -> bool:
        return self.status in (VolunteerStatus.SELECTED, VolunteerStatus.REPLACEMENT)


class PanelReplacement(models.Model):
    """A panelist who withdrew and who replaced them, drawn publicly among the volunteers who keep the quotas."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="replacements")
    withdrawn = models.CharField(max_length=40)
    chosen = models.CharField(max_length=40)
    candidates = models.JSONField(default=list)
    seed = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.panel} — {self.withdrawn} → {self.chosen}"
