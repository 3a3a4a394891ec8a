"""The tenant (Commune), the append-only audit log and API keys."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

INSEE_VALIDATOR = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", _("Un code INSEE compte 5 caractères (ex. 21231, 2A004).")
)
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Lettres minuscules, chiffres et tirets seulement (ex. saint-martin)."),
)
# Path prefixes that can never be a commune slug: they are the platform's own URLs.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "open311",
        "ngsi-ld",
        "static",
        "media",
        "i18n",
        "comptes",
        "accessibilite",
        "jsonld-contexts",
        "plateforme",
    }
)


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("« %(slug)s » est réservé par la plateforme."), params={"slug": value})


class AccessibilityLevel(models.TextChoices):
    """The compliance levels of an accessibility statement (RGAA 4.1, arrêté du 20 septembre 2019)."""

    NONE = "non", _("non conforme")
    PARTIAL = "partiel", _("partiellement conforme")
    FULL = "total", _("totalement conforme")


class CommuneSlugField(models.SlugField):
    """A commune's slug, checked by `SLUG_VALIDATOR` alone: Django's own slug check is looser (capitals,
    underscores) and, on a bad slug, would say the same thing a second time."""

    default_validators: list = []


class Commune(models.Model):
    """The tenant: every domain object belongs to exactly one commune."""

    name = models.CharField(_("nom"), max_length=120)
    slug = CommuneSlugField(
        _("identifiant"), max_length=50, unique=True, validators=[SLUG_VALIDATOR, validate_not_reserved]
    )
    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True, validators=[INSEE_VALIDATOR])
    population = models.PositiveIntegerField(_("population"), default=0)
    departement = models.CharField(_("département"), max_length=60, blank=True)
    departement_code = models.CharField(_("code du département"), max_length=3, blank=True)
    region = models.CharField(_("région"), max_length=60, blank=True)
    epci = models.CharField(_("intercommunalité (EPCI)"), max_length=120, blank=True)
    epci_siren = models.CharField(_("SIREN de l'EPCI"), max_length=9, blank=True)
    latitude = models.DecimalField(
        _("latitude du centre"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude du centre"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    boundary = models.JSONField(_("contour (GeoJSON)"), null=True, blank=True)
    contact_email = models.EmailField(_("courriel de la mairie"), blank=True)
    contact_phone = models.CharField(_("téléphone de la mairie"), max_length=30, blank=True)
    address = models.CharField(_("adresse de la mairie"), max_length=200, blank=True)
    opening_hours = models.CharField(_("horaires d'ouverture"), max_length=200, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    publication_director = models.CharField(
        _("directeur ou directrice de la publication"),
        max_length=150,
        blank=True,
        help_text=_("En général le maire : prénom, nom et qualité (ex. Marie Dupont, maire)."),
    )
    logo = models.ImageField(_("logo"), upload_to="communes/logos/", blank=True)
    host = models.CharField(
        _("nom d'hôte dédié"),
        max_length=253,
        blank=True,
        help_text=_("Si renseigné (ex. services.valbourg.fr), la commune est servie à cette adresse."),
    )
    enabled_modules = models.JSONField(_("modules activés"), default=list, blank=True)
    preset = models.CharField(_("modèle de départ"), max_length=20, blank=True)
    welcome_text = models.TextField(
        _("mot d'accueil"),
        max_length=1500,
        blank=True,
        help_text=_(
            "Quelques phrases en tête de la page d'accueil (texte simple, les adresses deviennent des liens)."
        ),
    )
    home_published = models.BooleanField(
        _("page d'accueil publiée"),
        default=True,
        help_text=_("Tant qu'elle ne l'est pas, les visiteurs voient « site en préparation »."),
    )
    accessibility_level = models.CharField(
        _("état de conformité au RGAA"), max_length=10, choices=AccessibilityLevel.choices, blank=True
    )
    accessibility_audit = models.CharField(
        _("évaluation de l'accessibilité"),
        max_length=200,
        blank=True,
        help_text=_("Qui l'a faite et quand (ex. audit interne du 12 mars 2026 sur 10 pages)."),
    )
    accessibility_stated_on = models.DateField(
        _("déclaration d'accessibilité établie le"),
        null=True,
        blank=True,
        help_text=_("Mise à jour quand l'état de conformité ou l'évaluation change."),
    )
    accessibility_plan = models.TextField(
        _("schéma pluriannuel de mise en accessibilité"),
        blank=True,
        help_text=_("Publié sur la page « Accessibilité » avec le plan d'action de l'année."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised by every write through the commune's site or an API naming it: the pages kept for visitors without
    # an account are keyed by the commune's row, so they are all rendered again (core.page_cache).
    pages_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["host"], condition=~models.Q(host=""), name="commune_host_unique_when_set"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="commune_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="commune_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has_module(self, code: str) -> bool:
        return code in (self.enabled_modules or [])

    @property
    def has_contour(self) -> bool:
        """Whether a contour is recorded, without reading it when the request's commune was loaded without it
        (core.tenancy annotates `_has_contour`): the contour is tens of kB of GeoJSON."""
        known = self.__dict__.get("_has_contour")
        if known is not None:
            return bool(known)
        return self.boundary is not None

    @property
    def accessibility_label(self) -> str:
        """The statement's compliance level: « non conforme » until the commune sets it with the audit it rests on
        (RGAA: with no valid audit, a site is declared non compliant, whatever its automatic tests say)."""
        return str(AccessibilityLevel(self.accessibility_level or AccessibilityLevel.NONE).label)


class CommuneOwned(models.Model):
    """Abstract base for every per-commune domain object."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One write done by an agent or an administrator. Append-only: the database refuses updates and deletes.

    The actor is kept as an id and a label frozen at the time (so erasing an account leaves the history
    readable without keeping the person's email), with, when the agent acted for a citizen, on whose behalf.
    """

    commune = models.ForeignKey(
        Commune, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    on_behalf_of = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["commune", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Le journal des actions ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Le journal des actions ne peut pas être effacé.")


class ApiKey(models.Model):
    """A key for the platform's APIs, scoped to one commune. Only a SHA-256 of the secret is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("lecture")
        WRITE = "write", _("lecture et écriture")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("nom"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("portée"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.commune})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
