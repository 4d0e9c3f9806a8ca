ALTER TABLE `audit_log` ADD `relay_seq` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_user_relay_seq_idx` ON `audit_log` (`user_id`,`relay_seq`);