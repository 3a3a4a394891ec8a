from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "beffroi.territory"
    label = "territory"
    verbose_name = _("Territoire")

    def ready(self) -> None:
        from beffroi.territory import demo  # noqa: F401  (registers the demo step)
