-- The debtor's side of the dialogue (each debtor submission carries the random key of the form it
-- came from, so a double click or a re-sent form is stored once): treatment classes with their plan policy, the reason given for
-- not paying, the case timeline, messages, disputes, "already paid" claims, holds and uploads.

-- A creditor's customer segment. policy holds the instalment policy bands as JSON (the domain's
-- PolicyBand list); reply_days is the promised answer time in business days.
CREATE TABLE treatment_classes (
    id           INTEGER PRIMARY KEY,
    creditor_id  BIGINT  NOT NULL REFERENCES creditors (id),
    key          TEXT    NOT NULL,
    name_de      TEXT    NOT NULL,
    name_en      TEXT    NOT NULL,
    policy       TEXT    NOT NULL,
    reply_days   BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (creditor_id, key)
);

ALTER TABLE cases ADD COLUMN treatment_class_id BIGINT REFERENCES treatment_classes (id);
ALTER TABLE cases ADD COLUMN reason TEXT;
ALTER TABLE cases ADD COLUMN reason_at BIGINT;

-- Everything that happened on a case, in order, for the debtor's and the handler's timeline.
CREATE TABLE case_events (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    occurred_at  BIGINT  NOT NULL,
    actor_kind   TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    author_kind  TEXT    NOT NULL CHECK (author_kind IN ('debtor', 'handler')),
    author_id    BIGINT,
    body         TEXT    NOT NULL,
    submission_key TEXT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (case_id, submission_key)
);
CREATE INDEX messages_case_idx ON messages (case_id, created_at);

CREATE TABLE disputes (
    id             INTEGER PRIMARY KEY,
    case_id        BIGINT  NOT NULL REFERENCES cases (id),
    kind           TEXT    NOT NULL CHECK (kind IN ('complaint', 'claim_wrong', 'not_my_debt')),
    body           TEXT    NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'upheld', 'rejected')),
    answer_due_on  TEXT    NOT NULL,
    submission_key TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (case_id, submission_key)
);
CREATE INDEX disputes_case_idx ON disputes (case_id);

-- "I have already paid": checked against the bank statements by a person.
CREATE TABLE payment_claims (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    paid_on       TEXT    NOT NULL,
    amount_minor  BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency      TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'not_found')),
    submission_key TEXT   NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (case_id, submission_key)
);

-- A pause of the dunning clock. until_date is exclusive; lifted_at ends a hold early.
CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases (id),
    reason      TEXT    NOT NULL,
    from_date   TEXT    NOT NULL,
    until_date  TEXT,
    lifted_at   BIGINT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX holds_case_idx ON holds (case_id);

-- Uploaded documents. The content lives in the database (backed up with everything else) and is
-- only ever served as an attachment with the content type found by sniffing, never the one claimed.
CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    owner_kind    TEXT    NOT NULL CHECK (owner_kind IN ('dispute', 'message', 'payment_claim')),
    owner_id      BIGINT  NOT NULL,
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    content       BLOB    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX attachments_owner_idx ON attachments (owner_kind, owner_id);
