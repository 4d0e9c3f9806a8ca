-- Issue 18 (MCP connectors): the agent's MCP servers as it last reported them (hello, connectors frames), and one
-- audit line per local client command however often the agent resends its `audit` frame (entry_id is unique per agent).
ALTER TABLE `devices` ADD `mcp_servers` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_local_entry_idx` ON `audit_log` (`user_id`,`device_id`,"detail" ->> '$.entry_id') WHERE kind = 'local_command';