"""The commune's teams (services municipaux) and named places."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import Commune


class Team(models.Model):
    """A municipal service (voirie, espaces verts, accueil…) that agents belong to and requests are routed to."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant"), max_length=60)
    email = models.EmailField(_("courriel du service"), blank=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("agents")
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "slug"], name="team_slug_unique_per_commune")
        ]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A named place of the commune (mairie, école, place du marché…), to locate things without a map."""

    class Kind(models.TextChoices):
        BUILDING = "batiment", _("bâtiment public")
        STREET = "voie", _("rue ou voie")
        SQUARE = "place", _("place ou square")
        SCHOOL = "ecole", _("école")
        PARK = "parc", _("parc ou espace vert")
        OTHER = "autre", _("autre")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="place_name_unique_per_commune")
        ]

    def __str__(self) -> str:
        return self.name


class NewsItem(models.Model):
    """A news item of the mairie shown on the commune's home page: plain text, links made clickable when shown."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="news_items")
    title = models.CharField(_("titre"), max_length=150)
    body = models.TextField(_("texte"), max_length=3000)
    published_on = models.DateField(_("date de publication"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title
