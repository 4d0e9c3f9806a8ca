DROP INDEX `pairing_codes_install_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `pairing_codes_install_key_idx` ON `pairing_codes` (`install_key_hash`);