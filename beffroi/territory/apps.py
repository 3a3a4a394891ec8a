from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "beffroi.territory"
    label = "territory"
    verbose_name = _("Territoire")

    def ready(self) -> None:
        from beffroi.core import home
        from beffroi.territory import (  # noqa: F401  (first_steps: the checklist's own items)
            demo,  # noqa: F401  (registers the demo step)
            first_steps,
            selectors,
        )

        home.register("news", lambda commune: {"news": list(selectors.news_list(commune=commune, limit=6))})
