-- Webhooks to the creditor's system: where to send them and the secret they are signed with
-- (HMAC-SHA256; kept in clear because signing needs it, shown only to the creditor's owners).
ALTER TABLE creditors ADD COLUMN webhook_url TEXT;
ALTER TABLE creditors ADD COLUMN webhook_secret TEXT;

-- The webhook outbox: a row is written in the same transaction as the case event it reports, and
-- a relay delivers it with retries. The event id is what the creditor deduplicates by.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    creditor_id      BIGINT  NOT NULL REFERENCES creditors (id),
    case_id          BIGINT  REFERENCES cases (id),
    event_id         TEXT    NOT NULL UNIQUE,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    lease_until      BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_creditor_idx ON webhook_deliveries (creditor_id, id);
