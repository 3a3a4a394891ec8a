"""The commune's teams (services municipaux) and named places."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import Commune
from beffroi.territory.addressing import street_after_number


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


class MapLayer(models.Model):
    """One of the commune's own vector layers of its base map, as a GeoJSON FeatureCollection (WGS84).

    Drawn under the tiles of the configured tile service, so the map keeps its streets, buildings and named
    places when no tile can be reached (an offline town hall) or when no tile service is configured.
    """

    class Kind(models.TextChoices):
        STREETS = "voies", _("voies")
        BUILDINGS = "batiments", _("bâtiments")
        PLACES = "lieux", _("lieux nommés")

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("couche"), max_length=10, choices=Kind.choices)
    features = models.JSONField(_("objets (GeoJSON)"), default=dict)
    feature_count = models.PositiveIntegerField(default=0)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("couche du fond de carte")
        verbose_name_plural = _("couches du fond de carte")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["commune", "kind"], name="map_layer_kind_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Address(models.Model):
    """An address of the commune's Base Adresse Locale (format BAL 1.3/1.4 of the AITF).

    ``street_key`` is the street name normalised (``territory.addressing.normalise``): the search finds the
    streets in the commune's short list of distinct keys, then the numbers through the index.
    """

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    interop_key = models.CharField(_("clé d'interopérabilité"), max_length=60)
    street = models.CharField(_("voie"), max_length=200)
    street_key = models.CharField(max_length=200)
    locality = models.CharField(_("lieu-dit"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("numéro"))
    suffix = models.CharField(_("suffixe"), max_length=10, blank=True)
    position_kind = models.CharField(_("type de position"), max_length=30, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    parcels = models.CharField(_("parcelles cadastrales"), max_length=200, blank=True)
    certified = models.BooleanField(_("certifiée par la commune"), default=False)
    updated_on = models.DateField(_("mise à jour"), null=True, blank=True)

    class Meta:
        verbose_name = _("adresse")
        verbose_name_plural = _("adresses")
        ordering = ["street_key", "number", "suffix"]
        indexes = [
            models.Index(fields=["commune", "street_key", "number"], name="address_street_number"),
            models.Index(fields=["commune", "latitude", "longitude"], name="address_position"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """« 14 bis rue des Écoles »: the BAL's number, suffix and street name (its voie type in lower case)."""
        suffix = f" {self.suffix}" if self.suffix else ""
        return f"{self.number}{suffix} {street_after_number(self.street)}"


class AddressStreet(models.Model):
    """One street of the commune's address base, written once per import: the address search matches what a
    person typed against this short list (hundreds of rows) rather than reading every address."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)  # the name normalised (territory.addressing.normalise)
    name = models.CharField(_("voie"), max_length=200)

    class Meta:
        verbose_name = _("voie de la base d'adresses")
        verbose_name_plural = _("voies de la base d'adresses")
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["commune", "key"], name="address_street_key_unique")]

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
