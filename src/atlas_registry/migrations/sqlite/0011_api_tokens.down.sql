-- Reverts 0011_api_tokens. Every API token stops working.
DROP TABLE api_tokens;
