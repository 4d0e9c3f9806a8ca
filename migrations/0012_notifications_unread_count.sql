-- The bell's number per user, kept by triggers: counting unread notifications on every new one grew with the
-- unread pile (10,000 unread made each count read 10,000 index entries). Counted: in the app, delivered (not
-- held by quiet hours), not read, not dismissed.
CREATE TABLE `notification_unread` (
	`user_id` text PRIMARY KEY NOT NULL REFERENCES `users`(`id`) ON DELETE cascade,
	`n` integer NOT NULL DEFAULT 0
);--> statement-breakpoint
INSERT INTO `notification_unread` (`user_id`, `n`)
	SELECT `user_id`, count(*) FROM `notifications`
	WHERE `in_app` = 1 AND `delivered_at` IS NOT NULL AND `read_at` IS NULL AND `dismissed_at` IS NULL
	GROUP BY `user_id`;--> statement-breakpoint
CREATE TRIGGER `notifications_unread_insert` AFTER INSERT ON `notifications`
WHEN NEW.`in_app` = 1 AND NEW.`delivered_at` IS NOT NULL AND NEW.`read_at` IS NULL AND NEW.`dismissed_at` IS NULL
BEGIN
	INSERT INTO `notification_unread` (`user_id`, `n`) VALUES (NEW.`user_id`, 1)
	ON CONFLICT (`user_id`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `notifications_unread_update` AFTER UPDATE OF `in_app`, `delivered_at`, `read_at`, `dismissed_at` ON `notifications`
WHEN (OLD.`in_app` = 1 AND OLD.`delivered_at` IS NOT NULL AND OLD.`read_at` IS NULL AND OLD.`dismissed_at` IS NULL)
	!= (NEW.`in_app` = 1 AND NEW.`delivered_at` IS NOT NULL AND NEW.`read_at` IS NULL AND NEW.`dismissed_at` IS NULL)
BEGIN
	INSERT INTO `notification_unread` (`user_id`, `n`)
	VALUES (NEW.`user_id`, CASE WHEN NEW.`in_app` = 1 AND NEW.`delivered_at` IS NOT NULL AND NEW.`read_at` IS NULL AND NEW.`dismissed_at` IS NULL THEN 1 ELSE -1 END)
	ON CONFLICT (`user_id`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;--> statement-breakpoint
CREATE TRIGGER `notifications_unread_delete` AFTER DELETE ON `notifications`
WHEN OLD.`in_app` = 1 AND OLD.`delivered_at` IS NOT NULL AND OLD.`read_at` IS NULL AND OLD.`dismissed_at` IS NULL
BEGIN
	UPDATE `notification_unread` SET `n` = `n` - 1 WHERE `user_id` = OLD.`user_id`;
END;
