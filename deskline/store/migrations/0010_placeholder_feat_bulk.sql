-- Holds this number on branch feat-bulk only, where the migration runner needs 1..n
-- without gaps; the real migration of this number replaces this file when merged.
SELECT 1;
