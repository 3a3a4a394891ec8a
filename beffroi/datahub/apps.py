from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatahubConfig(AppConfig):
    name = "beffroi.datahub"
    label = "datahub"
    verbose_name = _("Données et capteurs")

    def ready(self):
        from beffroi.core import modules
        from beffroi.datahub import demo  # noqa: F401 — registers the demo step

        modules.register(
            modules.Module(
                code="datahub",
                label=_("Données et capteurs"),
                description=_(
                    "L'éclairage public, les bennes, la qualité de l'air, l'énergie des bâtiments : "
                    "les mesures des capteurs de la commune."
                ),
                agent_description=_(
                    "Suivre les alertes des capteurs, les prendre en compte et les clore, régler les seuils qui les déclenchent."
                ),
                url_name="datahub:index",
                agent_url_name="datahub:alerts",
                order=40,
                namespaces=("datahub",),
                api_prefixes=("datahub",),
            )
        )
