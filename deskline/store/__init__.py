"""Persistence: SQL, migrations and the queries the service runs."""
