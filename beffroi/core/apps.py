from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "beffroi.core"
    label = "core"
    verbose_name = _("Plateforme")

    def ready(self) -> None:
        from beffroi.core import search  # noqa: F401 - registers the `folded` lookup and SQLite's fold function
