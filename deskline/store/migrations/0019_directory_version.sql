-- PostgreSQL only: the directory's version, which its store's memo of kept reads looks at
-- (see its file in store/postgres/migrations). SQLite's memo looks at PRAGMA
-- data_version; the step keeps both in step.
SELECT 1;
