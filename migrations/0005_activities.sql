CREATE TABLE `activities` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`event_id` text NOT NULL,
	`device_id` text,
	`source` text NOT NULL,
	`activity_type` text NOT NULL,
	`timestamp` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`application` text NOT NULL,
	`description` text,
	`details` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`amount_minor` integer,
	`currency` text,
	`merchant` text,
	`category` text,
	`company` text,
	`role` text,
	`job_status` text,
	`url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `activities_user_event_idx` ON `activities` (`user_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `activities_user_time_idx` ON `activities` (`user_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `activities_user_type_time_idx` ON `activities` (`user_id`,`activity_type`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `ingest_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ingest_tokens_token_hash_unique` ON `ingest_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `ingest_tokens_user_idx` ON `ingest_tokens` (`user_id`);