-- Reverts 0028_webhooks. Every subscription, delivery and attempt is lost:
-- `migrate down` refuses unless webhooks, webhook_deliveries and webhook_attempts are named.
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
