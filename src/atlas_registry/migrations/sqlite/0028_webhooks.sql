-- 0028_webhooks: URLs an admin subscribed to event types, what each is owed, and
-- every attempt to deliver it.
--
-- webhooks: one subscription. Its signing secret is kept encrypted with a key
-- that is not in the database (secret_encrypted, a Fernet token; NULL once the
-- subscription is deleted), so a dump of the database does not reveal it.
-- event_cursor is the last event id the worker has turned into deliveries;
-- lease_owner and leased_until say which worker is delivering it now, so two
-- workers never send the same subscription's deliveries at once.
-- key_fingerprint names the key that sealed the secret (a hash of it, which
-- reveals nothing of it), so a webhook is never sealed with a second key by
-- mistake; failing_reason says why a failing subscription stopped.
CREATE TABLE webhooks (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL
        CONSTRAINT ck_webhooks_url CHECK (length(url) BETWEEN 1 AND 2048),
    event_types TEXT NOT NULL
        CONSTRAINT ck_webhooks_event_types CHECK (length(event_types) > 0),
    secret_encrypted TEXT,
    key_fingerprint TEXT
        CONSTRAINT ck_webhooks_key_fingerprint
        CHECK (key_fingerprint IS NULL OR length(key_fingerprint) = 16),
    allow_http INTEGER NOT NULL
        CONSTRAINT ck_webhooks_allow_http CHECK (allow_http IN (0, 1)),
    state TEXT NOT NULL
        CONSTRAINT ck_webhooks_state CHECK (state IN ('active', 'failing', 'deleted')),
    event_cursor INTEGER NOT NULL,
    lease_owner TEXT,
    leased_until TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at TEXT,
    deleted_by TEXT,
    failing_reason TEXT
        CONSTRAINT ck_webhooks_failing_reason
        CHECK (failing_reason IS NULL OR length(failing_reason) <= 300),
    CONSTRAINT ck_webhooks_deleted_secret
        CHECK ((state = 'deleted') = (secret_encrypted IS NULL))
);

-- One event owed to one subscription. pending: not yet acknowledged (due at
-- next_attempt_at); delivered: the receiver answered 2xx; failed: retried for
-- about a day, then given up (the subscription is then failing); cancelled:
-- its subscription was deleted before it was delivered.
CREATE TABLE webhook_deliveries (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL
        CONSTRAINT fk_webhook_deliveries_webhook REFERENCES webhooks(id),
    event_id INTEGER NOT NULL
        CONSTRAINT fk_webhook_deliveries_event REFERENCES registry_events(id),
    state TEXT NOT NULL
        CONSTRAINT ck_webhook_deliveries_state CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    created_at TEXT NOT NULL
);

CREATE UNIQUE INDEX ux_webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id);
CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (webhook_id, state, event_id);

-- Every attempt to deliver, append-only: its outcome, how long it took, the
-- receiver's status code and at most 200 characters of what it answered.
CREATE TABLE webhook_attempts (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL
        CONSTRAINT fk_webhook_attempts_delivery REFERENCES webhook_deliveries(id),
    webhook_id INTEGER NOT NULL
        CONSTRAINT fk_webhook_attempts_webhook REFERENCES webhooks(id),
    attempted_at TEXT NOT NULL,
    outcome TEXT NOT NULL
        CONSTRAINT ck_webhook_attempts_outcome CHECK (outcome IN ('delivered', 'failed')),
    status_code INTEGER,
    latency_ms INTEGER NOT NULL
        CONSTRAINT ck_webhook_attempts_latency CHECK (latency_ms >= 0),
    response_excerpt TEXT
        CONSTRAINT ck_webhook_attempts_excerpt
        CHECK (response_excerpt IS NULL OR length(response_excerpt) <= 200),
    error TEXT
        CONSTRAINT ck_webhook_attempts_error CHECK (error IS NULL OR length(error) <= 300)
);

CREATE INDEX idx_webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE TRIGGER trg_webhook_attempts_no_update BEFORE UPDATE ON webhook_attempts
BEGIN
    SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;

CREATE TRIGGER trg_webhook_attempts_no_delete BEFORE DELETE ON webhook_attempts
BEGIN
    SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;
