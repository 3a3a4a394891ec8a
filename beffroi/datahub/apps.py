from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatahubConfig(AppConfig):
    name = "beffroi.datahub"
    label = "datahub"
    verbose_name = _("Données et capteurs")
