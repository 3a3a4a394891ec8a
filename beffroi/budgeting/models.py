"""Participatory budgets: the budget and its phases, ideas/projects, voting codes, ballots and paper entries.

Secrecy of the vote: a `Ballot` row says WHO voted (so agents can prevent double voting); what they chose lives in
`BallotChoice` rows keyed by an opaque `ballot_token` (an HMAC of the ballot's identity under the server secret),
never by the voter. Agents' pages and the API read `Ballot` rows only; the count reads `BallotChoice` rows only.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.budgeting.results import BudgetCount
from beffroi.budgeting.rules.registry import budget_rules
from beffroi.core.models import CommuneOwned

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Phase(models.TextChoices):
    DRAFT = "preparation", _("en préparation")
    IDEAS = "depot", _("dépôt des idées")
    INSTRUCTION = "instruction", _("instruction des idées")
    VOTE = "vote", _("vote")
    RESULTS = "resultats", _("résultats")
    FOLLOWUP = "suivi", _("suivi des projets")


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("approbation (choisir entre un minimum et un maximum de projets)")
    BASKET = "panier", _("panier (choisir des projets dans la limite d'un montant)")
    CUMULATIVE = "points", _("points à répartir entre les projets")
    RANKING = "classement", _("classement des projets préférés")


DEFAULT_RULE = "mes-add1"


def rule_choices() -> list[tuple[str, "StrOrPromise"]]:
    """The counting rules a commune may choose, from the rules' registry (`rules.registry.budget_rules`).

    A callable, so that the choices are read from the registry each time (and migrations name this function
    rather than copying the list).
    """
    return [(rule.name, _(rule.budget_label)) for rule in budget_rules()]


class Budget(CommuneOwned):
    """One edition of the commune's participatory budget, from the ideas to the follow-up of the winners."""

    title = models.CharField(_("titre"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=60)
    description = models.TextField(_("présentation"), blank=True)
    total_amount = models.PositiveIntegerField(_("montant total (euros)"))
    ideas_open_at = models.DateTimeField(_("ouverture du dépôt des idées"), null=True, blank=True)
    ideas_close_at = models.DateTimeField(_("clôture du dépôt des idées"), null=True, blank=True)
    vote_open_at = models.DateTimeField(_("ouverture du vote"), null=True, blank=True)
    vote_close_at = models.DateTimeField(_("clôture du vote"), null=True, blank=True)
    followup_at = models.DateTimeField(_("début du suivi des projets"), null=True, blank=True)
    phase_override = models.CharField(
        _("phase imposée"),
        max_length=12,
        choices=Phase.choices,
        blank=True,
        help_text=_("Laisser vide pour que la phase suive les dates."),
    )
    ballot_type = models.CharField(
        _("type de bulletin"), max_length=12, choices=BallotType.choices, default=BallotType.APPROVAL
    )
    min_choices = models.PositiveSmallIntegerField(_("nombre minimum de projets choisis"), default=1)
    max_choices = models.PositiveSmallIntegerField(
        _("nombre maximum de projets choisis (ou classés)"), null=True, blank=True
    )
    cost_limit = models.PositiveIntegerField(
        _("montant maximum du panier (euros)"),
        null=True,
        blank=True,
        help_text=_("Bulletin « panier » : par défaut, le montant total du budget."),
    )
    points_total = models.PositiveSmallIntegerField(_("points à répartir"), default=10)
    max_points_per_project = models.PositiveSmallIntegerField(
        _("points maximum par projet"), null=True, blank=True
    )
    rule = models.CharField(
        _("règle de dépouillement"),
        max_length=20,
        choices=rule_choices,
        default=DEFAULT_RULE,
    )
    min_age = models.PositiveSmallIntegerField(
        _("âge minimum pour voter"),
        null=True,
        blank=True,
        help_text=_(
            "L'âge est contrôlé par la mairie : codes de vote remis aux seuls habitants éligibles, ou vérification "
            "au guichet. Exige la vérification des votants."
        ),
    )
    voter_verification = models.BooleanField(
        _("vérification des votants obligatoire"),
        default=True,
        help_text=_(
            "Pour voter en ligne, chaque habitant saisit un code de vote remis par la mairie ou se fait vérifier "
            "au guichet. Sans vérification, une simple attestation sur l'honneur suffit."
        ),
    )
    fund_leftover = models.BooleanField(
        _("financer d'autres projets avec le reliquat des enveloppes"),
        default=False,
        help_text=_(
            "Après le dépouillement de chaque enveloppe, l'argent non dépensé finance les projets restants qui "
            "tiennent encore, par nombre de voix décroissant (comme à Amsterdam)."
        ),
    )
    results = models.JSONField(_("résultats"), null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(_("dépouillé le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("budget participatif")
        verbose_name_plural = _("budgets participatifs")
        ordering = ["-vote_open_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "slug"], name="budget_slug_unique_per_commune"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.min_age and not self.voter_verification:
            raise ValidationError(
                {
                    "voter_verification": _(
                        "Un âge minimum ne peut être garanti que si les votants sont vérifiés (code de vote "
                        "remis par la mairie ou vérification au guichet)."
                    )
                }
            )
        if self.pk and self.total_amount is not None:
            allotted = sum(s.amount for s in self.sub_budgets.all())
            if allotted > self.total_amount:
                raise ValidationError(
                    {
                        "total_amount": _(
                            "Les enveloppes totalisent %(sum)s € : le montant total ne peut pas être inférieur."
                        )
                        % {"sum": f"{allotted:,}".replace(",", " ")}
                    }
                )

    @property
    def phase(self) -> str:
        """The current phase: the one set by the agents if any, otherwise the one the dates give."""
        if self.phase_override:
            return self.phase_override
        now = timezone.now()
        if self.followup_at and now >= self.followup_at and self.counted_at:
            return Phase.FOLLOWUP
        if self.vote_close_at and now >= self.vote_close_at:
            return Phase.RESULTS
        if self.vote_open_at and now >= self.vote_open_at:
            return Phase.VOTE
        if self.ideas_close_at and now >= self.ideas_close_at:
            return Phase.INSTRUCTION
        if self.ideas_open_at and now >= self.ideas_open_at:
            return Phase.IDEAS
        return Phase.DRAFT

    @property
    def phase_label(self) -> "StrOrPromise":
        return Phase(self.phase).label

    @property
    def is_voting(self) -> bool:
        return self.phase == Phase.VOTE

    @property
    def results_published(self) -> bool:
        return self.results is not None and self.phase in (Phase.RESULTS, Phase.FOLLOWUP)

    @property
    def count_results(self) -> BudgetCount | None:
        """The stored results, typed (`results.BudgetCount`); None before the count."""
        return BudgetCount.from_json(self.results) if self.results is not None else None

    @property
    def basket_limit(self) -> int:
        return self.cost_limit or self.total_amount


class SubBudget(models.Model):
    """A share of the budget reserved for one district or category; its projects are counted separately."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="sub_budgets")
    name = models.CharField(_("quartier ou catégorie"), max_length=100)
    amount = models.PositiveIntegerField(_("montant (euros)"))

    class Meta:
        verbose_name = _("enveloppe")
        verbose_name_plural = _("enveloppes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "name"], name="subbudget_name_unique_per_budget"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    SUBMITTED = "depose", _("déposée, en attente d'instruction")
    FEASIBLE = "recevable", _("réalisable, soumise au vote")
    INFEASIBLE = "irrecevable", _("non réalisable")
    MERGED = "fusionne", _("fusionnée avec une autre idée")
    SELECTED = "retenu", _("lauréat, en cours de réalisation")
    NOT_SELECTED = "non_retenu", _("non retenu au vote")
    DELIVERED = "realise", _("réalisé")


CATEGORIES = [
    ("cadre-de-vie", _("cadre de vie")),
    ("nature", _("nature et environnement")),
    ("mobilite", _("mobilités")),
    ("sport-loisirs", _("sport et loisirs")),
    ("culture", _("culture et patrimoine")),
    ("solidarite", _("solidarité")),
    ("education", _("éducation et jeunesse")),
]


class Project(CommuneOwned):
    """An idea submitted by a resident; once found feasible it is a project put to the vote."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("titre"), max_length=150)
    description = models.TextField(_("description"))
    category = models.CharField(_("catégorie"), max_length=20, choices=CATEGORIES)
    place = models.ForeignKey(
        "territory.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("lieu"),
        related_name="+",
    )
    location = models.CharField(_("lieu précis"), max_length=200, blank=True)
    sub_budget = models.ForeignKey(
        SubBudget,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("enveloppe"),
    )
    # Optional: a resident rarely knows what a bench costs; the instruction sets final_cost.
    estimated_cost = models.PositiveIntegerField(_("coût estimé (euros)"), null=True, blank=True)
    final_cost = models.PositiveIntegerField(
        _("coût retenu après instruction (euros)"), null=True, blank=True
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.SUBMITTED
    )
    decision = models.TextField(_("décision motivée"), blank=True)
    decision_published_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_ideas",
        verbose_name=_("fusionnée dans"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Ideas submitted without an account: optional name and e-mail (seen by agents only), keyed hash of the
    # sender's address for the rate limit (as the reports app does).
    author_name = models.CharField(_("nom de la personne"), max_length=100, blank=True)
    contact_email = models.EmailField(_("adresse électronique de contact"), blank=True)
    submitter_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A picture the resident gave (re-encoded: no EXIF/GPS left), its thumbnail for the cards, and what it shows.
    picture = models.FileField(_("photo"), upload_to="budgeting/photos/%Y/", blank=True)
    picture_thumbnail = models.FileField(upload_to="budgeting/vignettes/%Y/", blank=True)
    picture_alt = models.CharField(_("ce que montre la photo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("idée ou projet")
        verbose_name_plural = _("idées et projets")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def cost(self) -> int:
        """The cost put to the vote: the one fixed by the instruction, else the estimate."""
        if self.final_cost is not None:
            return self.final_cost
        return self.estimated_cost or 0

    @property
    def on_ballot(self) -> bool:
        return self.status in ON_BALLOT


#: The statuses of a project put to the vote (`Project.on_ballot`), for the queries that filter on it.
ON_BALLOT = (
    ProjectStatus.FEASIBLE,
    ProjectStatus.SELECTED,
    ProjectStatus.NOT_SELECTED,
    ProjectStatus.DELIVERED,
)


class ProjectUpdate(models.Model):
    """A progress note on a winning project (suivi), published to residents."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("avancement"))
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("point d'avancement")
        verbose_name_plural = _("points d'avancement")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="projectupdate_progress_max_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.progress} %)"


class VotingCode(CommuneOwned):
    """A single-use code printed by the mairie; only a SHA-256 of the code is stored."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="voting_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    batch = models.CharField(_("lot"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("code de vote")
        verbose_name_plural = _("codes de vote")

    def __str__(self) -> str:
        return f"{self.budget} — {self.batch or self.pk}"


class VotingCodeFailure(models.Model):
    """A wrong voting code typed by one client (keyed hash of its address): counted to lock out code guessing."""

    commune = models.ForeignKey("core.Commune", on_delete=models.CASCADE, related_name="+")
    submitter_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.submitter_hash[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class VoterVerification(models.Model):
    """A person allowed to vote online in a budget: by a voting code, or checked by an agent at the counter."""

    class Method(models.TextChoices):
        CODE = "code", _("code de vote")
        COUNTER = "guichet", _("vérifié au guichet")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="verifications")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    # What the mairie checked: at the counter, what the agent ticked ("identite", "domicile", "age"); with a code,
    # the code was handed only to an eligible resident (recorded when the codes were printed).
    checks = models.JSONField(default=list, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "voter"], name="verification_unique_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} — {self.voter}"


class Ballot(models.Model):
    """That a person voted (online) in a budget — never what. One per voter and budget, by a DB constraint.

    A ballot cast with a printed voting code alone (no account) has no voter: it names the code it spent, one
    ballot per code; the code's holder can replace it until the vote closes, as an account holder can.
    """

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    # SET_NULL: erasing an account keeps its (anonymous) ballot counted, so published results stay checkable.
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    voting_code = models.OneToOneField(
        VotingCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="ballot"
    )
    # Set when the voter's account is erased: a keyed hash of the address the counter check knows voters by
    # (personal_data.voter_key), so the same person cannot vote again with a new account; never the address.
    voter_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("participation au vote")
        verbose_name_plural = _("participations au vote")
        constraints = [
            models.UniqueConstraint(fields=["budget", "voter"], name="ballot_one_per_voter_and_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} — {self.voter}"


class BallotChoice(models.Model):
    """One choice of one ballot, linked to it only by the opaque token (approval: 1; points; rank: 1 = first)."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="+")
    ballot_token = models.CharField(max_length=64, db_index=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot_token", "project"], name="ballotchoice_project_once_per_ballot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_token[:8]}… {self.project_id}"


class PaperBallotKind(models.TextChoices):
    """What a paper ballot is: a valid vote, blank (no choice) or void (spoiled, or breaking the ballot's rules).

    Blank and void ballots are counted in the turnout, never in the result, as French elections count them apart
    from the votes cast (Code électoral art. L65 and L66).
    """

    VALID = "valable", _("valable")
    BLANK = "blanc", _("blanc")
    VOID = "nul", _("nul")


class PaperBallotEntry(models.Model):
    """One agent's entry of one paper ballot; a paper ballot counts once two agents' entries agree."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="paper_entries")
    paper_number = models.PositiveIntegerField(_("numéro du bulletin papier"))
    # An agent's account can be erased: the entry stays (the ballot box must still add up), its author unnamed.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(
        _("bulletin"), max_length=8, choices=PaperBallotKind.choices, default=PaperBallotKind.VALID
    )
    choices = models.JSONField(default=dict)  # {project pk as str: value}; empty for blank and void ballots
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper_number", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "paper_number", "entered_by"], name="paperentry_once_per_agent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget} — n° {self.paper_number}"

    @property
    def entered_by_name(self) -> str:
        """Who entered it, as agents read it; an erased account is named as such, never by a stale address."""
        if self.entered_by is None:
            return str(_("un agent dont le compte a été supprimé"))
        return self.entered_by.get_full_name() or self.entered_by.email
