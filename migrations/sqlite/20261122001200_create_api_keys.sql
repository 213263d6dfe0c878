-- API keys of a creditor for /api/v1. The key itself is shown once when created; only its SHA-256
-- hash is kept (a key is 32 random bytes, so a fast hash is enough), with the first characters to
-- tell keys apart in the portal.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    creditor_id  BIGINT  NOT NULL REFERENCES creditors (id),
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    created_by   BIGINT  REFERENCES creditor_users (id),
    last_used_at BIGINT,
    revoked_at   BIGINT,
    revoked_by   BIGINT  REFERENCES creditor_users (id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX api_keys_creditor_idx ON api_keys (creditor_id);
