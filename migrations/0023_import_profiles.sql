CREATE TABLE `import_profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`account` text,
	`layout` text NOT NULL,
	`header_cells` text NOT NULL,
	`header_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `import_profiles_user_name_idx` ON `import_profiles` (`user_id`,`name`);--> statement-breakpoint
CREATE INDEX `import_profiles_user_header_idx` ON `import_profiles` (`user_id`,`header_key`);