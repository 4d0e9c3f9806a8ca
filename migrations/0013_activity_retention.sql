-- How long each user keeps each kind of activity (imported statements, added by hand, recorded by listeners and
-- tools), counted from when a row was stored. No row: the kind's default. days NULL: kept until deleted.
CREATE TABLE `activity_retention` (
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`days` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `kind`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
