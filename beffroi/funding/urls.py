"""Pages of the Financements module (mounted under the commune)."""

app_name = "funding"

urlpatterns: list = []
