"""Financing plans: who pays what for a commune's project, checked against CGCT art. L1111-10.

A plan belongs to a commune; the planning app links its projects to a plan (planning imports funding, never
the reverse), so this app knows nothing of projects.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import CommuneOwned


class FinancingPlan(CommuneOwned):
    class Regime(models.TextChoices):
        # Codes of beffroi.funding.cofinancing.Regime (the pure rule).
        STANDARD = "standard", _("Cas général (20 %)")
        CHEF_DE_FILE = "chef_de_file", _("Compétence à chef de file (30 %)")
        SCHOOL_ENERGY_RENOVATION = (
            "school_energy_renovation",
            _("Rénovation énergétique de bâtiments scolaires (10 %, sur décision du préfet)"),
        )

    title = models.CharField(_("intitulé"), max_length=200)
    regime = models.CharField(
        _("régime de participation minimale"),
        max_length=40,
        choices=Regime.choices,
        default=Regime.STANDARD,
        help_text=_("CGCT art. L1111-10 III et L1111-9."),
    )
    prefect_decision = models.BooleanField(
        _("dérogation accordée par le préfet"),
        default=False,
        help_text=_(
            "Pour la rénovation énergétique de bâtiments scolaires : le préfet a fixé la participation à 10 %."
        ),
    )
    ctec_derogation = models.BooleanField(
        _("convention territoriale d'exercice concerté (CTEC) dérogatoire"),
        default=False,
        help_text=_("Pour une compétence à chef de file : la CTEC ramène la participation à 20 %."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan de financement")
        verbose_name_plural = _("plans de financement")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class FinancingLine(models.Model):
    class Kind(models.TextChoices):
        GRANT = "subvention", _("Subvention")
        LOAN = "pret", _("Prêt (emprunt de la commune)")
        OWN_FUNDS = "autofinancement", _("Autofinancement de la commune")
        PRIVATE = "prive", _("Financement privé (mécénat, entreprise)")

    class CostNature(models.TextChoices):
        INVESTMENT = "investment", _("Investissement")
        OPERATING = "operating", _("Fonctionnement")

    class Status(models.TextChoices):
        PLANNED = "prevu", _("Prévu")
        REQUESTED = "demande", _("Demandé")
        OBTAINED = "obtenu", _("Obtenu")
        REFUSED = "refuse", _("Refusé")
        PAID = "verse", _("Versé")

    plan = models.ForeignKey(FinancingPlan, on_delete=models.CASCADE, related_name="lines")
    funder = models.CharField(_("financeur"), max_length=200)
    mechanism_code = models.CharField(_("dispositif (code du catalogue)"), max_length=60, blank=True)
    kind = models.CharField(_("type de financement"), max_length=20, choices=Kind.choices)
    cost_nature = models.CharField(
        _("nature de la dépense"), max_length=20, choices=CostNature.choices, default=CostNature.INVESTMENT
    )
    amount = models.DecimalField(_("montant (€)"), max_digits=14, decimal_places=2)
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    requested_on = models.DateField(_("date de la demande"), null=True, blank=True)
    decided_on = models.DateField(_("date de la décision"), null=True, blank=True)
    application_deadline = models.DateField(_("date limite de dépôt du dossier"), null=True, blank=True)
    reminder_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ligne de financement")
        verbose_name_plural = _("lignes de financement")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=Decimal(0)),
                name="funding_line_amount_not_negative",
                violation_error_message=_("Le montant ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} — {self.amount} €"

    @property
    def funder_type(self) -> str:
        """The funder's side for the co-financing rule (cofinancing.FunderType)."""
        # A loan is repaid by the commune: it is part of its own share (autofinancement, emprunt).
        if self.kind in (self.Kind.OWN_FUNDS, self.Kind.LOAN):
            return "own_funds"
        if self.kind == self.Kind.PRIVATE:
            return "private"
        return "public"


class CommuneZonage(CommuneOwned):
    """Whether the commune is classified in one zonage of the catalogue's vocabulary (FRR, QPV, PVD, ACV…).

    No row, or ``inconnu``, means the profile does not say: matching then reads "à vérifier" instead of
    refusing an aid reserved to that zonage.
    """

    class State(models.TextChoices):
        YES = "oui", _("Oui")
        NO = "non", _("Non")
        UNKNOWN = "inconnu", _("Je ne sais pas")

    code = models.CharField(_("zonage"), max_length=40)
    state = models.CharField(_("situation"), max_length=10, choices=State.choices, default=State.UNKNOWN)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("zonage de la commune")
        verbose_name_plural = _("zonages de la commune")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="funding_commune_zonage_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.state}"
