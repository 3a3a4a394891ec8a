from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "beffroi.participation"
    label = "participation"
    verbose_name = _("Participation citoyenne")

    def ready(self) -> None:
        from beffroi.core import modules
        from beffroi.participation import demo  # noqa: F401 - registers the demo step

        modules.register(
            modules.Module(
                code="participation",
                label=_("Participation citoyenne"),
                description=_(
                    "Répondez aux consultations, proposez et soutenez des idées, inscrivez-vous aux réunions "
                    "publiques et aux panels citoyens tirés au sort."
                ),
                agent_description=_(
                    "Préparer les consultations et les réunions publiques, modérer les propositions, tirer au sort les panels citoyens."
                ),
                url_name="participation:index",
                agent_url_name="participation:agent_index",
                order=35,
                namespaces=("participation",),
                api_prefixes=("participation",),
            )
        )
