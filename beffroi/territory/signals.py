"""Signals of the territory app, for the apps above it (reports names its reports' places from the addresses)."""

from django.dispatch import Signal

# Sent when a commune's address base has been replaced (kwargs: commune), inside the import's transaction.
addresses_imported = Signal()
