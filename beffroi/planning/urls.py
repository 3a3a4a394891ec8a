"""Pages of the Projet de territoire module (mounted under the commune)."""

app_name = "planning"

urlpatterns: list = []
