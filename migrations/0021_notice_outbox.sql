-- Notices the API has stored but the user's relay has not turned into notifications yet (issue 17). A job-status
-- PATCH writes its notice here in the same D1 batch as the change, so the notice is durable before the 200; the
-- relay is told after the answer, and removes the row in the batch that stores the notification (or when the
-- user's rule drops it). A row left behind (the relay was never reached) is picked up by the relay's next sweep.
CREATE TABLE `notice_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`facts` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notice_outbox_user_created_idx` ON `notice_outbox` (`user_id`,`created_at`);