CREATE TABLE `activity_refusals` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `activity_refusals_event_idx` ON `activity_refusals` (`user_id`,`device_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `activity_refusals_device_idx` ON `activity_refusals` (`user_id`,`device_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `devices` ADD `limits` text;