-- The dashboard summary's rollups of `activities` (core/src/db/rollup-schema.ts, core/src/activities/summary-sql.ts).
-- The tables are drizzle-kit's, made WITHOUT ROWID by hand: the primary key is the only way in, so each trigger's
-- upsert touches one B-tree, not a rowid table and its key index.
CREATE TABLE `activity_rollup_daily` (
	`user_id` text NOT NULL,
	`day` integer NOT NULL,
	`activity_type` text NOT NULL,
	`category` text NOT NULL,
	`currency` text NOT NULL,
	`job_status` text NOT NULL,
	`entries` integer NOT NULL,
	`spent_entries` integer NOT NULL,
	`spent_minor` integer NOT NULL,
	`income_minor` integer NOT NULL,
	PRIMARY KEY(`user_id`, `day`, `activity_type`, `category`, `currency`, `job_status`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `activity_rollup_hourly` (
	`user_id` text NOT NULL,
	`hour` integer NOT NULL,
	`activity_type` text NOT NULL,
	`category` text NOT NULL,
	`currency` text NOT NULL,
	`job_status` text NOT NULL,
	`entries` integer NOT NULL,
	`spent_entries` integer NOT NULL,
	`spent_minor` integer NOT NULL,
	`income_minor` integer NOT NULL,
	PRIMARY KEY(`user_id`, `hour`, `activity_type`, `category`, `currency`, `job_status`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
-- Triggers, not the writers, keep the rollups exact: ingest, PATCH, deletes, retention, the demo reset and account
-- deletion (a cascade fires them too) all write `activities`, and none of them can forget. An insert that ON CONFLICT
-- DO NOTHING skips fires nothing, so a duplicate counts once. A rollup row whose entries reach 0 is deleted, so the
-- rollups hold only what exists. Day and hour starts are floored, also before 1970 (SQLite's % keeps the sign).
CREATE TRIGGER `activity_rollups_insert` AFTER INSERT ON `activities` BEGIN
  INSERT INTO activity_rollup_daily (user_id, day, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
  VALUES (new.user_id, new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000, new.activity_type,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.category, 'uncategorised') ELSE '' END,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.currency, '') ELSE '' END,
    CASE WHEN new.activity_type = 'job' THEN coalesce(new.job_status, 'applied') ELSE '' END,
    1, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN 1 ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN new.amount_minor ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor > 0 THEN new.amount_minor ELSE 0 END)
  ON CONFLICT (user_id, day, activity_type, category, currency, job_status) DO UPDATE SET entries = entries + 1, spent_entries = spent_entries + excluded.spent_entries,
    spent_minor = spent_minor + excluded.spent_minor, income_minor = income_minor + excluded.income_minor;
  INSERT INTO activity_rollup_hourly (user_id, hour, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
  VALUES (new.user_id, new.occurred_at - ((new.occurred_at % 3600000) + 3600000) % 3600000, new.activity_type,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.category, 'uncategorised') ELSE '' END,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.currency, '') ELSE '' END,
    CASE WHEN new.activity_type = 'job' THEN coalesce(new.job_status, 'applied') ELSE '' END,
    1, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN 1 ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN new.amount_minor ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor > 0 THEN new.amount_minor ELSE 0 END)
  ON CONFLICT (user_id, hour, activity_type, category, currency, job_status) DO UPDATE SET entries = entries + 1, spent_entries = spent_entries + excluded.spent_entries,
    spent_minor = spent_minor + excluded.spent_minor, income_minor = income_minor + excluded.income_minor;
END;
--> statement-breakpoint
CREATE TRIGGER `activity_rollups_delete` AFTER DELETE ON `activities` BEGIN
  UPDATE activity_rollup_daily SET entries = entries - 1, spent_entries = spent_entries - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN 1 ELSE 0 END,
    spent_minor = spent_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN old.amount_minor ELSE 0 END, income_minor = income_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor > 0 THEN old.amount_minor ELSE 0 END
  WHERE user_id = old.user_id AND day = old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END;
  DELETE FROM activity_rollup_daily WHERE user_id = old.user_id AND day = old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END AND entries = 0;
  UPDATE activity_rollup_hourly SET entries = entries - 1, spent_entries = spent_entries - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN 1 ELSE 0 END,
    spent_minor = spent_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN old.amount_minor ELSE 0 END, income_minor = income_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor > 0 THEN old.amount_minor ELSE 0 END
  WHERE user_id = old.user_id AND hour = old.occurred_at - ((old.occurred_at % 3600000) + 3600000) % 3600000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END;
  DELETE FROM activity_rollup_hourly WHERE user_id = old.user_id AND hour = old.occurred_at - ((old.occurred_at % 3600000) + 3600000) % 3600000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END AND entries = 0;
END;
--> statement-breakpoint
-- Only the columns the rollups read; an edit of tags or the description fires nothing.
CREATE TRIGGER `activity_rollups_update` AFTER UPDATE OF user_id, activity_type, occurred_at, amount_minor, currency, category, job_status ON `activities` BEGIN
  UPDATE activity_rollup_daily SET entries = entries - 1, spent_entries = spent_entries - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN 1 ELSE 0 END,
    spent_minor = spent_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN old.amount_minor ELSE 0 END, income_minor = income_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor > 0 THEN old.amount_minor ELSE 0 END
  WHERE user_id = old.user_id AND day = old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END;
  DELETE FROM activity_rollup_daily WHERE user_id = old.user_id AND day = old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END AND entries = 0;
  UPDATE activity_rollup_hourly SET entries = entries - 1, spent_entries = spent_entries - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN 1 ELSE 0 END,
    spent_minor = spent_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor < 0 THEN old.amount_minor ELSE 0 END, income_minor = income_minor - CASE WHEN old.activity_type = 'financial' AND old.amount_minor > 0 THEN old.amount_minor ELSE 0 END
  WHERE user_id = old.user_id AND hour = old.occurred_at - ((old.occurred_at % 3600000) + 3600000) % 3600000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END;
  DELETE FROM activity_rollup_hourly WHERE user_id = old.user_id AND hour = old.occurred_at - ((old.occurred_at % 3600000) + 3600000) % 3600000 AND activity_type = old.activity_type
    AND category = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.category, 'uncategorised') ELSE '' END
    AND currency = CASE WHEN old.activity_type = 'financial' THEN coalesce(old.currency, '') ELSE '' END
    AND job_status = CASE WHEN old.activity_type = 'job' THEN coalesce(old.job_status, 'applied') ELSE '' END AND entries = 0;
  INSERT INTO activity_rollup_daily (user_id, day, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
  VALUES (new.user_id, new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000, new.activity_type,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.category, 'uncategorised') ELSE '' END,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.currency, '') ELSE '' END,
    CASE WHEN new.activity_type = 'job' THEN coalesce(new.job_status, 'applied') ELSE '' END,
    1, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN 1 ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN new.amount_minor ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor > 0 THEN new.amount_minor ELSE 0 END)
  ON CONFLICT (user_id, day, activity_type, category, currency, job_status) DO UPDATE SET entries = entries + 1, spent_entries = spent_entries + excluded.spent_entries,
    spent_minor = spent_minor + excluded.spent_minor, income_minor = income_minor + excluded.income_minor;
  INSERT INTO activity_rollup_hourly (user_id, hour, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
  VALUES (new.user_id, new.occurred_at - ((new.occurred_at % 3600000) + 3600000) % 3600000, new.activity_type,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.category, 'uncategorised') ELSE '' END,
    CASE WHEN new.activity_type = 'financial' THEN coalesce(new.currency, '') ELSE '' END,
    CASE WHEN new.activity_type = 'job' THEN coalesce(new.job_status, 'applied') ELSE '' END,
    1, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN 1 ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor < 0 THEN new.amount_minor ELSE 0 END, CASE WHEN new.activity_type = 'financial' AND new.amount_minor > 0 THEN new.amount_minor ELSE 0 END)
  ON CONFLICT (user_id, hour, activity_type, category, currency, job_status) DO UPDATE SET entries = entries + 1, spent_entries = spent_entries + excluded.spent_entries,
    spent_minor = spent_minor + excluded.spent_minor, income_minor = income_minor + excluded.income_minor;
END;
--> statement-breakpoint
-- The rows stored before this migration.
INSERT INTO activity_rollup_daily (user_id, day, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
SELECT a.user_id, a.occurred_at - ((a.occurred_at % 86400000) + 86400000) % 86400000, a.activity_type,
  CASE WHEN a.activity_type = 'financial' THEN coalesce(a.category, 'uncategorised') ELSE '' END,
  CASE WHEN a.activity_type = 'financial' THEN coalesce(a.currency, '') ELSE '' END,
  CASE WHEN a.activity_type = 'job' THEN coalesce(a.job_status, 'applied') ELSE '' END,
  count(*), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN 1 ELSE 0 END), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN a.amount_minor ELSE 0 END), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor > 0 THEN a.amount_minor ELSE 0 END)
FROM activities AS a GROUP BY 1, 2, 3, 4, 5, 6;
--> statement-breakpoint
INSERT INTO activity_rollup_hourly (user_id, hour, activity_type, category, currency, job_status, entries, spent_entries, spent_minor, income_minor)
SELECT a.user_id, a.occurred_at - ((a.occurred_at % 3600000) + 3600000) % 3600000, a.activity_type,
  CASE WHEN a.activity_type = 'financial' THEN coalesce(a.category, 'uncategorised') ELSE '' END,
  CASE WHEN a.activity_type = 'financial' THEN coalesce(a.currency, '') ELSE '' END,
  CASE WHEN a.activity_type = 'job' THEN coalesce(a.job_status, 'applied') ELSE '' END,
  count(*), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN 1 ELSE 0 END), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor < 0 THEN a.amount_minor ELSE 0 END), sum(CASE WHEN a.activity_type = 'financial' AND a.amount_minor > 0 THEN a.amount_minor ELSE 0 END)
FROM activities AS a GROUP BY 1, 2, 3, 4, 5, 6;
