-- Online payments through a payment provider (Stripe Checkout first). A checkout row is written
-- before the provider is called, and its id is the idempotency key, so a retry after a crash asks
-- the provider for the same session. provider_events makes every provider event count once,
-- however often it is delivered.

CREATE TABLE online_payments (
    id               INTEGER PRIMARY KEY,
    case_id          BIGINT  NOT NULL REFERENCES cases (id),
    provider         TEXT    NOT NULL,
    session_id       TEXT    UNIQUE,
    amount_minor     BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency         TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'created' CHECK (state IN ('created', 'open', 'paid', 'expired', 'failed')),
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX online_payments_case_idx ON online_payments (case_id);

CREATE TABLE provider_events (
    provider     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (provider, event_id)
);
