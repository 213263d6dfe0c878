-- Core schema: creditors, debtors, cases, claims with itemised amounts, payments, debtor access
-- credentials, staff users, the audit log and HTTP sessions.
-- Conventions shared by the SQLite and PostgreSQL versions of this file: money is BIGINT minor units plus an ISO
-- currency code; instants are BIGINT milliseconds since the Unix epoch (UTC), bound from Rust so both
-- backends store identical values; calendar dates are ISO TEXT (YYYY-MM-DD).

CREATE TABLE creditors (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    street      TEXT    NOT NULL,
    postcode    TEXT    NOT NULL,
    city        TEXT    NOT NULL,
    country     TEXT    NOT NULL,
    email       TEXT,
    website     TEXT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE debtors (
    id               INTEGER PRIMARY KEY,
    creditor_id      BIGINT  NOT NULL REFERENCES creditors (id),
    customer_number  TEXT,
    kind             TEXT    NOT NULL CHECK (kind IN ('consumer', 'business')),
    name             TEXT    NOT NULL,
    street           TEXT    NOT NULL,
    postcode         TEXT    NOT NULL,
    city             TEXT    NOT NULL,
    country          TEXT    NOT NULL,
    email            TEXT,
    phone            TEXT,
    language         TEXT    NOT NULL DEFAULT 'de',
    date_of_birth    TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (creditor_id, customer_number)
);

-- A case is what a debtor sees and a handler works on: the debtor's open claims at one creditor.
-- The verification counters live here because the lockout is per case, whichever letter was used.
CREATE TABLE cases (
    id                     INTEGER PRIMARY KEY,
    reference              TEXT    NOT NULL UNIQUE,
    creditor_id            BIGINT  NOT NULL REFERENCES creditors (id),
    debtor_id              BIGINT  NOT NULL REFERENCES debtors (id),
    currency               TEXT    NOT NULL,
    state                  TEXT    NOT NULL DEFAULT 'open',
    verification_failures  BIGINT  NOT NULL DEFAULT 0,
    last_failed_at         BIGINT,
    locked_until           BIGINT,
    created_at             BIGINT  NOT NULL,
    updated_at             BIGINT  NOT NULL
);
CREATE INDEX cases_creditor_idx ON cases (creditor_id);
CREATE INDEX cases_debtor_idx ON cases (debtor_id);

-- One invoice or other receivable. creditor_id is repeated so every tenant query can filter on it.
CREATE TABLE claims (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT  NOT NULL REFERENCES cases (id),
    creditor_id     BIGINT  NOT NULL REFERENCES creditors (id),
    external_id     TEXT,
    subject         TEXT    NOT NULL,
    contract_date   TEXT,
    invoice_number  TEXT,
    due_date        TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    UNIQUE (creditor_id, external_id)
);
CREATE INDEX claims_case_idx ON claims (case_id);

-- Principal, interest and costs as separate items, each with its date and legal basis (§ 13a RDG).
CREATE TABLE claim_items (
    id            INTEGER PRIMARY KEY,
    claim_id      BIGINT  NOT NULL REFERENCES claims (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('principal', 'interest', 'cost')),
    description   TEXT    NOT NULL,
    legal_basis   TEXT,
    item_date     TEXT    NOT NULL,
    period_start  TEXT,
    period_end    TEXT,
    amount_minor  BIGINT  NOT NULL CHECK (amount_minor >= 0),
    currency      TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX claim_items_claim_idx ON claim_items (claim_id);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    amount_minor  BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency      TEXT    NOT NULL,
    value_date    TEXT    NOT NULL,
    method        TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX payments_case_idx ON payments (case_id);

-- One row per letter sent: the link token only as SHA-256, the typed access code only as Argon2id.
CREATE TABLE access_credentials (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    token_hash   TEXT    NOT NULL UNIQUE,
    code_hash    TEXT    NOT NULL,
    factor_kind  TEXT    NOT NULL DEFAULT 'postcode' CHECK (factor_kind IN ('postcode', 'date_of_birth', 'customer_number')),
    issued_at    BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked_at   BIGINT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX access_credentials_case_idx ON access_credentials (case_id);

CREATE TABLE staff_users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('handler', 'supervisor', 'admin')),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);

-- Append-only: the application never updates or deletes rows here.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    occurred_at BIGINT  NOT NULL,
    actor_kind  TEXT    NOT NULL,
    actor_id    TEXT,
    case_id     BIGINT  REFERENCES cases (id),
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    request_id  TEXT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX audit_log_case_idx ON audit_log (case_id, occurred_at);

-- Server-side sessions; the id column holds a SHA-256 of the cookie value, never the value itself.
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    data        TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
