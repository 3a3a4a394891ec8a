from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "beffroi.reports"
    label = "reports"
    verbose_name = _("Signalements")

    def ready(self):
        from beffroi.core import modules
        from beffroi.reports import (
            demo,  # noqa: F401 — registers the demo step
            services,
        )
        from beffroi.territory import presets

        modules.register(
            modules.Module(
                code="reports",
                label=_("Signalements"),
                description=_(
                    "Signaler un problème dans la commune (éclairage, voirie, propreté…) et suivre son traitement."
                ),
                url_name="reports:index",
                agent_url_name="reports:agent_queue",
                order=10,
                namespaces=("reports",),
                api_prefixes=("reports",),
            )
        )
        presets.register_step("reports", services.commune_preset_apply)
