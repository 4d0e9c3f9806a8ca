CREATE TABLE `job_details` (
	`activity_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`notes` text,
	`resume_version` text,
	`contacts` text DEFAULT '[]' NOT NULL,
	`followed_up_at` integer,
	`snoozed_until` integer,
	`asked_for_movement` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `job_detections` (
	`user_id` text NOT NULL,
	`event_id` text NOT NULL,
	`device_id` text,
	`event` text NOT NULL,
	`company` text,
	`role` text,
	`url` text,
	`occurred_at` integer NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	PRIMARY KEY(`user_id`, `event_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_detections_user_state_idx` ON `job_detections` (`user_id`,`state`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `job_interviews` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`activity_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`time_zone` text NOT NULL,
	`duration_minutes` integer DEFAULT 60 NOT NULL,
	`kind` text NOT NULL,
	`location` text,
	`reminded_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_interviews_user_time_idx` ON `job_interviews` (`user_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `job_interviews_time_idx` ON `job_interviews` (`starts_at`);--> statement-breakpoint
CREATE TABLE `job_status_history` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`activity_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_status_history_activity_idx` ON `job_status_history` (`activity_id`,`at`);--> statement-breakpoint
-- Issue 19: the stage "screening" is now "assessment" (a code challenge or test). The rollup triggers move the
-- dashboard's counts with the rows.
UPDATE `activities` SET `job_status` = 'assessment' WHERE `job_status` = 'screening';--> statement-breakpoint
-- Every application already stored starts its history with the status it has now, dated when it last changed
-- (an application applied for long ago but moved last week is not asked "follow up?" on the first sweep).
INSERT INTO `job_status_history` (`id`, `user_id`, `activity_id`, `from_status`, `to_status`, `at`)
  SELECT lower(hex(randomblob(16))), `user_id`, `id`, NULL, coalesce(`job_status`, 'applied'), max(`occurred_at`, `updated_at`)
  FROM `activities` WHERE `activity_type` = 'job';--> statement-breakpoint
-- Applications the history listener found before detections needed a yes are on the board already: they count as
-- accepted, so the listener sending them again does not ask about them.
INSERT INTO `job_detections` (`user_id`, `event_id`, `device_id`, `event`, `company`, `role`, `url`, `occurred_at`, `state`, `created_at`, `decided_at`)
  SELECT `user_id`, `event_id`, `device_id`, '{}', `company`, `role`, `url`, `occurred_at`, 'accepted', `created_at`, `created_at`
  FROM `activities` WHERE `activity_type` = 'job' AND `event_id` LIKE 'history:%';
