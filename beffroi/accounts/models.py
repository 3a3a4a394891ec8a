"""Users (login by email) and their per-commune memberships with a role."""

import hashlib
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import Commune


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        # An account made by the platform operator (createsuperuser) needs no confirmation link.
        extra.setdefault("email_confirmed_at", timezone.now())
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. `is_staff` is reserved for the platform operator (Django admin); roles live in Membership."""

    email = models.EmailField(_("adresse électronique"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("opérateur de la plateforme"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # None until the person opens the link mailed at sign-up: no notification is sent to an unproven address.
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class Role(models.TextChoices):
    HABITANT = "habitant", _("habitant·e")
    AGENT = "agent", _("agent")
    ELU = "elu", _("élu·e")
    ADMIN = "admin", _("administrateur·rice")


class Membership(models.Model):
    """A user's role in one commune. One membership per user and commune."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.HABITANT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "commune"], name="membership_one_per_user_and_commune"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.commune} ({self.get_role_display()})"


class NotificationKind(models.TextChoices):
    """What a resident may be told about, each switched on or off in « Mon espace »."""

    REPORTS = "signalements", _("La suite de mes signalements")
    DOSSIERS = "demarches", _("Mes démarches en ligne (dossiers)")
    PARTICIPATION = (
        "participation",
        _("La participation : réponses à mes propositions et idées, résultats des votes et consultations"),
    )


class NotificationSetting(models.Model):
    """How an account holder wants to hear of one kind of news; no row means the defaults (every channel on).

    Stored per account, not per commune: a person who wants no SMS wants none from any commune."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_settings")
    kind = models.CharField(_("sujet"), max_length=20, choices=NotificationKind.choices)
    email = models.BooleanField(_("par courriel"), default=True)
    sms = models.BooleanField(_("par SMS"), default=True)

    class Meta:
        verbose_name = _("réglage de notification")
        verbose_name_plural = _("réglages de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_setting_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.kind}"


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation link's token: its SHA-256, so a copy of the database holds no usable
    link."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An administrator (or the platform operator) asks a person, by e-mail, to take a staff role in a commune.

    The mailed link carries a random token; only its SHA-256 is stored, so a copy of the database gives no
    usable link. The link works once, until `expires_at`, unless revoked; sending it again makes a new token
    (the previous link stops working). The team is a `territory.Team` named by its label: accounts sits below
    territory and never imports it, the invitation only keeps which team the agent will join.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        REVOKED = "revoked", _("annulée")
        EXPIRED = "expired", _("expirée")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse électronique"))
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    team = models.ForeignKey(
        "territory.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("service"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    send_count = models.PositiveSmallIntegerField(_("envois"), default=1)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.AGENT, Role.ELU, Role.ADMIN]), name="invitation_staff_role"
            ),
            # One open invitation per address and commune: a second one would leave two live links.
            models.UniqueConstraint(
                fields=["commune", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune} — {self.get_role_display()}"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)


class OidcIdentity(models.Model):
    """An account's identity at a national sign-in provider (FranceConnect, ProConnect): the provider's stable
    subject identifier (`sub`), so the next sign-in finds the account even if its address changed. Made when the
    person first signs in there, or links an existing account after confirming it is theirs."""

    class Provider(models.TextChoices):
        FRANCECONNECT = "franceconnect", "FranceConnect"
        PROCONNECT = "proconnect", "ProConnect"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_identities")
    provider = models.CharField(_("fournisseur"), max_length=20, choices=Provider.choices)
    subject = models.CharField(_("identifiant chez le fournisseur"), max_length=255)
    # ProConnect: the organisation (SIRET) and identity provider the agent signed in through, last seen.
    siret = models.CharField(_("SIRET de l'organisation"), max_length=14, blank=True)
    idp_id = models.CharField(_("fournisseur d'identité"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("liée le"), default=timezone.now)
    last_login_at = models.DateTimeField(_("dernière connexion"), null=True, blank=True)

    class Meta:
        verbose_name = _("identité de connexion")
        verbose_name_plural = _("identités de connexion")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="oidc_identity_one_per_subject"),
            models.UniqueConstraint(fields=["user", "provider"], name="oidc_identity_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} — {self.user}"
