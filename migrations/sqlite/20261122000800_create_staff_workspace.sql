-- The case handler workspace: agencies (the tenant staff belong to), staff login protection, the
-- work queue, handler actions (each stored once per form), reply templates, dispute answers, plan
-- decisions and corrections of claim items.

-- An agency serves creditors; its staff see only those creditors' cases. reply_days is the answer
-- time the agency promises for everything in the work queue (business days).
CREATE TABLE agencies (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    reply_days  BIGINT  NOT NULL DEFAULT 2 CHECK (reply_days BETWEEN 1 AND 30),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
-- The agency every existing creditor and staff user belongs to (installations start with one).
INSERT INTO agencies (id, name, reply_days, created_at, updated_at) VALUES (1, 'Agency', 2, 0, 0);

ALTER TABLE creditors ADD COLUMN agency_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE staff_users ADD COLUMN agency_id BIGINT NOT NULL DEFAULT 1;
ALTER TABLE staff_users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff_users ADD COLUMN locked_until BIGINT;
ALTER TABLE staff_users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE staff_users ADD COLUMN digest BIGINT NOT NULL DEFAULT 0;
CREATE INDEX creditors_agency_idx ON creditors (agency_id);

-- Whether escalating a case of this class to court dunning needs the creditor's consent.
ALTER TABLE treatment_classes ADD COLUMN escalation_needs_consent BIGINT NOT NULL DEFAULT 1;

-- Everything that needs a human. Written in the same transaction as the debtor's action (or the
-- automation's finding) that causes it; done_at is set by the handler action that answers it.
CREATE TABLE work_items (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT  NOT NULL REFERENCES cases (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('dispute', 'plan', 'message', 'payment_claim',
                                                  'broken_plan', 'unmatched_payment', 'escalation_decision')),
    due_at       BIGINT  NOT NULL,
    assignee_id  BIGINT  REFERENCES staff_users (id),
    done_at      BIGINT,
    done_by      BIGINT  REFERENCES staff_users (id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX work_items_open_idx ON work_items (done_at, due_at);
CREATE INDEX work_items_case_idx ON work_items (case_id);

-- One row per handler action; the form's random key makes a double click or a re-sent form count once.
CREATE TABLE staff_actions (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT  NOT NULL REFERENCES cases (id),
    staff_id        BIGINT  NOT NULL REFERENCES staff_users (id),
    kind            TEXT    NOT NULL,
    submission_key  TEXT    NOT NULL UNIQUE,
    detail          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX staff_actions_case_idx ON staff_actions (case_id);

-- Reply templates per agency, language and treatment class ('' = every class).
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    agency_id   BIGINT  NOT NULL REFERENCES agencies (id),
    key         TEXT    NOT NULL,
    language    TEXT    NOT NULL CHECK (language IN ('de', 'en')),
    class_key   TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    updated_by  BIGINT  REFERENCES staff_users (id),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (agency_id, key, language, class_key)
);

ALTER TABLE disputes ADD COLUMN answer TEXT;
ALTER TABLE disputes ADD COLUMN answered_at BIGINT;
ALTER TABLE plans ADD COLUMN decision_note TEXT;
ALTER TABLE payment_claims ADD COLUMN decided_at BIGINT;

-- A claim item corrected or cancelled (amount 0) in the debtor's favour, with the reason.
CREATE TABLE item_corrections (
    id            INTEGER PRIMARY KEY,
    item_id       BIGINT  NOT NULL REFERENCES claim_items (id),
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    old_minor     BIGINT  NOT NULL,
    new_minor     BIGINT  NOT NULL,
    reason        TEXT    NOT NULL,
    staff_id      BIGINT  NOT NULL REFERENCES staff_users (id),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX item_corrections_case_idx ON item_corrections (case_id);
