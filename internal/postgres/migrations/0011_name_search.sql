-- Substring search on names (issue 11): trigram GIN indexes that
-- name_fold LIKE '%term%' uses. pg_trgm ships with PostgreSQL (contrib)
-- and is a trusted extension; where it cannot be had, nothing is indexed
-- and search stays correct, only slower.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
		CREATE EXTENSION pg_trgm SCHEMA public;
	END IF;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'pg_trgm is not available (%): substring search is not indexed', SQLERRM;
END $$;

DO $$
DECLARE
	ext_schema text;
BEGIN
	SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm';
	IF ext_schema IS NOT NULL THEN
		EXECUTE format('CREATE INDEX files_name_trigram ON files USING gin (name_fold %I.gin_trgm_ops)', ext_schema);
		EXECUTE format('CREATE INDEX folders_name_trigram ON folders USING gin (name_fold %I.gin_trgm_ops)', ext_schema);
	END IF;
END $$;
