"""Participation: consultations, proposals with supports, public meetings, citizen panels drawn by lot."""
