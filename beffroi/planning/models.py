"""The commune's smart-territory plan: maturity self-assessments and the roadmap of projects."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from beffroi.core import dates
from beffroi.core.models import CommuneOwned


class Assessment(CommuneOwned):
    """One answer to the maturity grid (a version of ``data/maturity_grid.json``), kept for progress over time."""

    grid_version = models.CharField(_("version de la grille"), max_length=40)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    author_label = models.CharField(_("répondant"), max_length=200, blank=True)
    role = models.CharField(_("rôle du répondant"), max_length=30, blank=True)
    assessed_on = models.DateField(_("date"))
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    scores = models.JSONField(_("scores calculés"), default=dict, blank=True)
    # A draft is a try (a training, a first look): it never reaches the council report.
    is_draft = models.BooleanField(_("brouillon"), default=False)
    # The one assessment the council report presents, chosen by an élu (else the latest validated one).
    used_in_report = models.BooleanField(_("retenu pour le rapport au conseil"), default=False)
    # Who validated it and when: the report says whose diagnostic the council reads. The label is frozen like
    # the author's, so an account closed later leaves the date (the name is erased with the account).
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validé par"),
    )
    validated_by_label = models.CharField(_("validé par (nom)"), max_length=200, blank=True)
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("auto-diagnostic")
        verbose_name_plural = _("auto-diagnostics")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune"],
                condition=models.Q(used_in_report=True),
                name="planning_one_assessment_in_report",
            ),
            models.CheckConstraint(
                condition=~models.Q(is_draft=True, used_in_report=True),
                name="planning_draft_not_in_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{dates.long_date(self.assessed_on)} — {self.author_label or self.role_label}"

    @property
    def role_label(self) -> str:
        """The respondent's role in words (« élu·e »), never its code (« elu »)."""
        from beffroi.accounts.models import Role

        return str(Role(self.role).label) if self.role in Role.values else self.role


class Project(CommuneOwned):
    class Status(models.TextChoices):
        IDEA = "idee", _("Idée")
        PLANNED = "prevu", _("Programmé")
        IN_PROGRESS = "en_cours", _("En cours")
        DONE = "termine", _("Terminé")
        ABANDONED = "abandonne", _("Abandonné")

    class Stage(models.TextChoices):
        # Codes of the funding catalogue's project stages.
        STUDY = "etude", _("Étude")
        INVESTMENT = "investissement", _("Investissement")
        OPERATING = "fonctionnement", _("Fonctionnement")

    title = models.CharField(_("intitulé"), max_length=200)
    use_case_code = models.CharField(_("cas d'usage du catalogue"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.IDEA)
    stage = models.CharField(
        _("phase pour laquelle un financement est cherché"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.INVESTMENT,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"), null=True, blank=True)
    investment_budget = models.DecimalField(
        _("budget d'investissement (€)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    operating_budget = models.DecimalField(
        _("coût de fonctionnement annuel (€)"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    themes = models.JSONField(_("thématiques"), default=list, blank=True)
    financing_plan = models.OneToOneField(
        "funding.FinancingPlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project",
        verbose_name=_("plan de financement"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="planning_project_end_after_start",
                violation_error_message=_("La date de fin ne peut pas précéder la date de début."),
            ),
            models.CheckConstraint(
                condition=Q(investment_budget__gte=Decimal(0)),
                name="planning_project_investment_not_negative",
                violation_error_message=_("Le budget d'investissement ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(operating_budget__gte=Decimal(0)),
                name="planning_project_operating_not_negative",
                violation_error_message=_("Le coût de fonctionnement ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectPhase(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("intitulé"), max_length=200)
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"))

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="planning_phase_end_after_start",
                violation_error_message=_("La date de fin ne peut pas précéder la date de début."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectIndicator(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicateur"), max_length=200)
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    baseline = models.DecimalField(
        _("valeur de départ"), max_digits=16, decimal_places=3, null=True, blank=True
    )
    target = models.DecimalField(_("cible"), max_digits=16, decimal_places=3, null=True, blank=True)
    target_date = models.DateField(_("échéance de la cible"), null=True, blank=True)
    datahub_ref = models.CharField(
        _("donnée suivie dans le hub (type d'entité/attribut)"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple StreetLight/powerConsumption. Laisser vide s'il n'y a pas de capteur."),
    )

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
