CREATE TABLE `install_links` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `install_links_user_expires_idx` ON `install_links` (`user_id`,`expires_at`);--> statement-breakpoint
ALTER TABLE `pairing_codes` ADD `install_key_hash` text;--> statement-breakpoint
ALTER TABLE `pairing_codes` ADD `user_code` text;--> statement-breakpoint
ALTER TABLE `pairing_codes` ADD `device_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `pairing_codes_install_key_idx` ON `pairing_codes` (`install_key_hash`);