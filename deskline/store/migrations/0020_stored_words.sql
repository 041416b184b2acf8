-- SQLite: an empty step. PostgreSQL keeps each text's words beside it (see its file in
-- store/postgres/migrations); SQLite's FTS5 tables hold them. Keeps both in step.
SELECT 1;
