from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "beffroi.budgeting"
    label = "budgeting"
    verbose_name = _("Budget participatif")

    def ready(self) -> None:
        from beffroi.budgeting import demo  # noqa: F401 - registers the demo step
        from beffroi.core import modules

        modules.register(
            modules.Module(
                code="budgeting",
                label=_("Budget participatif"),
                description=_(
                    "Proposez des idées pour la commune, votez pour vos projets préférés, suivez leur réalisation."
                ),
                agent_description=_(
                    "Instruire les idées des habitants, préparer le vote, remettre des codes de vote, dépouiller et publier les résultats."
                ),
                url_name="budgeting:index",
                agent_url_name="budgeting:agent_index",
                order=30,
                namespaces=("budgeting",),
                api_prefixes=("budgeting",),
            )
        )
