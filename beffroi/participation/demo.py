"""Demo data of citizen participation (filled in below)."""
