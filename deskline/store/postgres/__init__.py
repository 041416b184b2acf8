"""PostgreSQL, the server's scale path: its schema (numbered migrations in step with
SQLite's, `schema.py`). psycopg is imported here only, and only by what uses PostgreSQL."""
