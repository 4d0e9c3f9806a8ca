-- Settings → Account: where each session signed in from, where each pairing was started from (shown on the
-- approval page), and pending email changes (single-use, expiring links; only the token's hash is kept).
ALTER TABLE `sessions` ADD `ip` text;--> statement-breakpoint
ALTER TABLE `pairing_codes` ADD `start_ip` text;--> statement-breakpoint
ALTER TABLE `pairing_codes` ADD `start_place` text;--> statement-breakpoint
CREATE TABLE `email_changes` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`new_email` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);--> statement-breakpoint
CREATE INDEX `email_changes_user_idx` ON `email_changes` (`user_id`);
