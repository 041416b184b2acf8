-- PostgreSQL only: its full-text indexes cut words as FTS5's unicode61 does here (see its
-- file in store/postgres/migrations). FTS5 needs nothing; the step keeps both in step.
SELECT 1;
