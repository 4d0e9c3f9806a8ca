-- What an answered permission request granted, and what a notification's buttons came to (issue 13, items 5 and 6).
-- The scope a "for 1 hour" or "always" answer granted, exactly as the prompt showed it; null for the other answers,
-- and for a grant that covers everything.
ALTER TABLE `permission_requests` ADD `granted_scope` text;
--> statement-breakpoint
-- Once a notification's source is settled (its request answered anywhere), the outcome in words; its buttons are gone.
ALTER TABLE `notifications` ADD `outcome` text;
