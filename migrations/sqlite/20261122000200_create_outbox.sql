-- The outbox: every email (and later every creditor webhook) is written here in the same transaction
-- as the change that causes it, and delivered by the relay. A row is never deleted; its state tells
-- what happened: pending → sending (leased by one relay) → sent | dead (gave up, visible to staff) |
-- suppressed (the recipient opted out).
-- dedupe_key makes enqueueing idempotent; message_id is derived from it, so a redelivery after a crash
-- carries the same Message-ID and the receiving side can recognise it.

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('email', 'webhook')),
    dedupe_key       TEXT    NOT NULL UNIQUE,
    case_id          BIGINT  REFERENCES cases (id),
    debtor_id        BIGINT  REFERENCES debtors (id),
    recipient        TEXT    NOT NULL,
    time_zone        TEXT    NOT NULL,
    message_id       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'suppressed')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    lease_owner      TEXT,
    lease_until      BIGINT,
    last_error       TEXT,
    sent_at          BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);
CREATE INDEX outbox_case_idx ON outbox (case_id);

-- Contact preferences respected at send time.
ALTER TABLE debtors ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Berlin';
ALTER TABLE debtors ADD COLUMN email_opt_out BIGINT NOT NULL DEFAULT 0;
