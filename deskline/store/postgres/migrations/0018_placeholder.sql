-- A placeholder: this number belongs to another branch's migration, which replaces
-- this file when the branches meet.
SELECT 1;
