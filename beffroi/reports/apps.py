from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "beffroi.reports"
    label = "reports"
    verbose_name = _("Signalements")

    def ready(self):
        from beffroi.core import modules, problems
        from beffroi.reports import (
            demo,  # noqa: F401 — registers the demo step
            open311,
            selectors,
            services,
        )
        from beffroi.territory import first_steps, presets
        from beffroi.territory.signals import addresses_imported

        problems.register_error_form("/open311/", open311.error_form)
        addresses_imported.connect(_name_reports_by_address, dispatch_uid="reports-near-addresses")

        modules.register(
            modules.Module(
                code="reports",
                label=_("Signalements"),
                description=_(
                    "Signaler un problème dans la commune (éclairage, voirie, propreté…) et suivre son traitement."
                ),
                agent_description=_(
                    "Traiter les signalements des habitants, les affecter aux services, leur répondre, saisir un signalement à l'accueil."
                ),
                url_name="reports:index",
                agent_url_name="reports:agent_queue",
                order=10,
                namespaces=("reports",),
                api_prefixes=("reports",),
            )
        )

        presets.register_step("reports", services.commune_preset_apply)
        first_steps.register(
            first_steps.Item(
                "categories",
                _("Catégories de signalement"),
                _("Vérifiez les catégories proposées aux habitants et le service qui traite chacune."),
                "reports:config_categories",
                lambda commune: selectors.category_list(commune=commune).filter(team__isnull=False).exists(),
                order=40,
                module="reports",
            )
        )


def _name_reports_by_address(sender, commune, **kwargs):
    """A commune's new address base names its reports' places again (« près du 14 rue des Écoles »)."""
    from beffroi.reports.services import report_near_addresses_refresh

    report_near_addresses_refresh(commune=commune)
