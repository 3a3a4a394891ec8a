from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "beffroi.planning"
    label = "planning"
    verbose_name = _("Projet de territoire")

    def ready(self) -> None:
        from beffroi.core import modules
        from beffroi.planning import demo  # noqa: F401 (registers the demo step)

        modules.register(
            modules.Module(
                code="planning",
                label=_("Projet de territoire"),
                description=_(
                    "Suivre le projet de la commune : ses projets, leur calendrier, leur coût et leur "
                    "financement ; les cas d'usage du territoire intelligent."
                ),
                agent_description=_(
                    "Faire le diagnostic de la commune, bâtir la feuille de route et ses plans de financement, préparer le rapport au conseil."
                ),
                url_name="planning:index",
                agent_url_name="planning:roadmap",
                order=50,
                namespaces=("planning", "funding"),
                api_prefixes=("planning", "funding"),
            )
        )
