CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`device_id` text,
	`command_id` text,
	`summary` text NOT NULL,
	`detail` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_user_id_idx` ON `audit_log` (`user_id`,`id`);--> statement-breakpoint
CREATE TABLE `commands` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`target` text NOT NULL,
	`action` text NOT NULL,
	`parameters` text NOT NULL,
	`status` text NOT NULL,
	`seq` integer,
	`read_only` integer NOT NULL,
	`result` text,
	`error_code` text,
	`error_message` text,
	`retry_of` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deadline_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `commands_user_created_idx` ON `commands` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `commands_device_created_idx` ON `commands` (`device_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`platform` text NOT NULL,
	`agent_version` text NOT NULL,
	`token_hash` text,
	`connectors` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_token_hash_unique` ON `devices` (`token_hash`);--> statement-breakpoint
CREATE INDEX `devices_user_idx` ON `devices` (`user_id`);--> statement-breakpoint
CREATE TABLE `pair_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pair_failures_user_at_idx` ON `pair_failures` (`user_id`,`at`);--> statement-breakpoint
CREATE TABLE `pairing_codes` (
	`device_code_hash` text PRIMARY KEY NOT NULL,
	`user_code_hash` text NOT NULL,
	`name` text NOT NULL,
	`platform` text NOT NULL,
	`agent_version` text NOT NULL,
	`status` text NOT NULL,
	`user_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_polled_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pairing_codes_user_code_hash_unique` ON `pairing_codes` (`user_code_hash`);--> statement-breakpoint
CREATE INDEX `pairing_codes_expires_idx` ON `pairing_codes` (`expires_at`);--> statement-breakpoint
CREATE TABLE `permission_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`command_id` text,
	`agent_ref` text,
	`target` text NOT NULL,
	`action` text NOT NULL,
	`context` text NOT NULL,
	`parameters` text NOT NULL,
	`one_time` integer NOT NULL,
	`status` text NOT NULL,
	`decision` text,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `permission_requests_user_status_idx` ON `permission_requests` (`user_id`,`status`);--> statement-breakpoint
CREATE TABLE `permissions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_id` text,
	`target` text NOT NULL,
	`action` text NOT NULL,
	`scope` text,
	`effect` text NOT NULL,
	`one_time` integer NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `permissions_user_idx` ON `permissions` (`user_id`);