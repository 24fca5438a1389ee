-- Substring search on file names (issue 11): an FTS5 trigram index over
-- files.name_fold, kept in step by triggers. Search narrows its rows with
-- it and keeps its own LIKE for the exact answer.
CREATE VIRTUAL TABLE files_name_trigram USING fts5(
	name_fold, tokenize = 'trigram', content = 'files', content_rowid = 'id', detail = 'none'
);
INSERT INTO files_name_trigram (files_name_trigram) VALUES ('rebuild');

CREATE TRIGGER files_name_trigram_insert AFTER INSERT ON files BEGIN
	INSERT INTO files_name_trigram (rowid, name_fold) VALUES (new.id, new.name_fold);
END;

CREATE TRIGGER files_name_trigram_delete AFTER DELETE ON files BEGIN
	INSERT INTO files_name_trigram (files_name_trigram, rowid, name_fold) VALUES ('delete', old.id, old.name_fold);
END;

CREATE TRIGGER files_name_trigram_update AFTER UPDATE OF name_fold ON files BEGIN
	INSERT INTO files_name_trigram (files_name_trigram, rowid, name_fold) VALUES ('delete', old.id, old.name_fold);
	INSERT INTO files_name_trigram (rowid, name_fold) VALUES (new.id, new.name_fold);
END;
