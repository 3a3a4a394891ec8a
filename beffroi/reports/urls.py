"""Pages of the Signalements module (mounted under the commune)."""

app_name = "reports"

urlpatterns: list = []
