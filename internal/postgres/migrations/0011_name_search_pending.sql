-- Substring search (issue 11): a trigram GIN index takes new entries into a
-- pending list, which every search reads through from end to end until
-- the list is merged (by VACUUM, or by an insert that finds it over
-- gin_pending_list_limit, 4 MB by default). At 4 MB that read cost a
-- search at 1,000,000 files 2 to 15 ms instead of under 1 ms; a 256 kB
-- limit keeps it short, and an insert merges small lists more often.
ALTER INDEX IF EXISTS files_name_trigram SET (gin_pending_list_limit = 256);
ALTER INDEX IF EXISTS folders_name_trigram SET (gin_pending_list_limit = 256);
