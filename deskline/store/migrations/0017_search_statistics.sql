-- PostgreSQL only: statistics on the messages' full-text expression (see its file in
-- store/postgres/migrations). SQLite's FTS5 needs none; the step keeps both in step.
SELECT 1;
