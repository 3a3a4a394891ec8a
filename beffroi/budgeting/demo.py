"""Demo data of the participatory budget (filled in below)."""
