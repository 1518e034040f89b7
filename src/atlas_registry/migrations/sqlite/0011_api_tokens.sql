-- 0011_api_tokens: bearer tokens for the HTTP API, created and revoked from the CLI.
-- Only the SHA-256 of each token's secret is stored; the token itself is shown
-- once, when it is created. A token's name is the actor its writes are recorded under.
CREATE TABLE api_tokens (
    id TEXT NOT NULL CONSTRAINT pk_api_tokens PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX uq_api_tokens_name ON api_tokens (name);
