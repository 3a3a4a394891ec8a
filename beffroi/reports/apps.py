from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "beffroi.reports"
    label = "reports"
    verbose_name = _("Signalements")

    def ready(self):
        from beffroi.core import modules, personal_data
        from beffroi.reports import (
            demo,  # noqa: F401 — registers the demo step
            services,
        )

        modules.register(
            modules.Module(
                code="reports",
                label=_("Signalements"),
                description=_(
                    "Signaler un problème dans la commune (éclairage, voirie, propreté…) et suivre son traitement."
                ),
                namespaces=("reports",),
                api_prefixes=("reports",),
                url_name="reports:index",
                agent_url_name="reports:agent_queue",
                order=10,
            )
        )
        personal_data.register(
            "signalements", exporter=services.export_user, eraser=services.report_forget_user
        )
