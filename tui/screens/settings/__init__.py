"""The settings area (admins)."""
