-- Number 0009 belongs to another change; this empty step keeps the numbering whole until
-- that change's own 0009 replaces it.
SELECT 1;
