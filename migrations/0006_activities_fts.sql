-- Full-text search over activities (SQLite FTS5), kept in step with the activities table by triggers.
-- drizzle-kit cannot describe virtual tables, so this migration is written by hand.
CREATE VIRTUAL TABLE `activities_fts` USING fts5(description, application, merchant, company, role, tags, content='activities', content_rowid='rowid', tokenize='porter unicode61');
--> statement-breakpoint
CREATE TRIGGER `activities_fts_insert` AFTER INSERT ON `activities` BEGIN
  INSERT INTO activities_fts(rowid, description, application, merchant, company, role, tags)
  VALUES (new.rowid, new.description, new.application, new.merchant, new.company, new.role, new.tags);
END;
--> statement-breakpoint
CREATE TRIGGER `activities_fts_delete` AFTER DELETE ON `activities` BEGIN
  INSERT INTO activities_fts(activities_fts, rowid, description, application, merchant, company, role, tags)
  VALUES ('delete', old.rowid, old.description, old.application, old.merchant, old.company, old.role, old.tags);
END;
--> statement-breakpoint
CREATE TRIGGER `activities_fts_update` AFTER UPDATE OF description, application, merchant, company, role, tags ON `activities` BEGIN
  INSERT INTO activities_fts(activities_fts, rowid, description, application, merchant, company, role, tags)
  VALUES ('delete', old.rowid, old.description, old.application, old.merchant, old.company, old.role, old.tags);
  INSERT INTO activities_fts(rowid, description, application, merchant, company, role, tags)
  VALUES (new.rowid, new.description, new.application, new.merchant, new.company, new.role, new.tags);
END;
