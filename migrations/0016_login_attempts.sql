-- Sign-in checks are reserved before a secret is verified (issue 14, hole 3): one row per check, per email and
-- client address, so one conditional INSERT can hold the per-email, per-address and global limits at once.
-- The old per-email failures are not carried over: at worst a lockout in progress ends early.
DROP TABLE `login_failures`;
--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`address` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_attempts_email_at_idx` ON `login_attempts` (`email`,`at`);
--> statement-breakpoint
CREATE INDEX `login_attempts_address_at_idx` ON `login_attempts` (`address`,`at`);
--> statement-breakpoint
CREATE INDEX `login_attempts_at_idx` ON `login_attempts` (`at`);
