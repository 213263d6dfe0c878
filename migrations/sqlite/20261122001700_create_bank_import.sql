-- Bank statement import (camt.053/054) and booking. One bank_imports row per uploaded file; one
-- bank_entries row per booking line, or per part of a split batch booking. (entry_key, part) is
-- unique, and the row is written in the same transaction as the payment it books, so the same
-- entry arriving again (the same file, an overlapping statement) is recognised and never booked
-- twice. entry_key is the account and the bank's reference of the entry, or a digest of its
-- contents where the bank gives none. Statements belong to an agency (its account): entries are
-- matched only to that agency's cases and shown only to its staff.
CREATE TABLE bank_imports (
    id           INTEGER PRIMARY KEY,
    agency_id    BIGINT  NOT NULL REFERENCES agencies (id),
    file_name    TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    entries      BIGINT  NOT NULL DEFAULT 0,
    booked       BIGINT  NOT NULL DEFAULT 0,
    unmatched    BIGINT  NOT NULL DEFAULT 0,
    duplicates   BIGINT  NOT NULL DEFAULT 0,
    ignored      BIGINT  NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    error        TEXT,
    imported_by  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

CREATE TABLE bank_entries (
    id                  INTEGER PRIMARY KEY,
    import_id           BIGINT  NOT NULL REFERENCES bank_imports (id),
    agency_id           BIGINT  NOT NULL REFERENCES agencies (id),
    entry_key           TEXT    NOT NULL,
    part                BIGINT  NOT NULL,
    account_iban        TEXT,
    booking_date        TEXT,
    value_date          TEXT    NOT NULL,
    amount_minor        BIGINT  NOT NULL,
    currency            TEXT    NOT NULL,
    payer_name          TEXT,
    payer_iban          TEXT,
    remittance          TEXT    NOT NULL,
    creditor_ref        TEXT,
    -- booked, or waiting for a person (unmatched, review), or closed by one without booking
    -- (dismissed); 'booking' only inside the transaction that books a person's choice.
    state               TEXT    NOT NULL CHECK (state IN ('booked', 'unmatched', 'review', 'dismissed', 'booking')),
    note                TEXT    NOT NULL,
    case_id             BIGINT  REFERENCES cases (id),
    payment_id          BIGINT  REFERENCES payments (id),
    suggested_case_id   BIGINT  REFERENCES cases (id),
    matched_by          TEXT,
    decided_by          BIGINT  REFERENCES staff_users (id),
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    UNIQUE (entry_key, part)
);
CREATE INDEX bank_entries_state_idx ON bank_entries (agency_id, state, id);
CREATE INDEX bank_entries_suggested_idx ON bank_entries (suggested_case_id);

-- How each payment was allocated (§§ 366, 367 BGB): one row per claim item paid; item_id NULL
-- for the part kept as the debtor's credit.
CREATE TABLE payment_allocations (
    id            INTEGER PRIMARY KEY,
    payment_id    BIGINT  NOT NULL REFERENCES payments (id),
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    item_id       BIGINT  REFERENCES claim_items (id),
    kind          TEXT    NOT NULL,
    amount_minor  BIGINT  NOT NULL,
    currency      TEXT    NOT NULL,
    value_date    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX payment_allocations_case_idx ON payment_allocations (case_id);
