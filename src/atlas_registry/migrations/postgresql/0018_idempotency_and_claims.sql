-- 0018_idempotency_and_claims: the answers kept for retried HTTP writes, and
-- the author a registration's body claimed when it is not the token's name,
-- and who named a line.
--
-- idempotency_keys holds one row per (token name, Idempotency-Key) of a write
-- that succeeded, written in the write's own transaction: a write that
-- committed always has its key, so a client that never got its answer can
-- send the request again and receive the first answer instead of a second
-- write. Rows older than 24 hours are deleted by later keyed writes.
CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    idempotency_key TEXT NOT NULL
        CONSTRAINT ck_idempotency_keys_key CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    -- SHA-256 of the method, the path and query, and the body: what "the same request" means.
    request_hash TEXT NOT NULL,
    -- The method and path, to say which request a key was first used for.
    request_line TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_idempotency_keys PRIMARY KEY (owner, idempotency_key)
);

CREATE INDEX idx_idempotency_keys_created ON idempotency_keys (created_at);

-- Over HTTP a version's created_by is the token that registered it; a
-- created_by the body gave that differs from it is kept here, apart.
ALTER TABLE model_versions ADD COLUMN claimed_by TEXT;

-- Who named a line afterwards (POST /api/v1/lines/NAME: the token's name); NULL
-- for a line named by its first registration, whose created_by says who.
ALTER TABLE model_lines ADD COLUMN named_by TEXT;
