from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "beffroi.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from beffroi.accounts import personal_data  # noqa: F401  (registers the exporter)
