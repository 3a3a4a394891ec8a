"""Pages of the Données et capteurs module (mounted under the commune)."""

app_name = "datahub"

urlpatterns: list = []
