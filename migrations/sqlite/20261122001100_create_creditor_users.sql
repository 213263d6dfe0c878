-- People of a creditor who sign in to the creditor portal ('owner' decides, 'viewer' looks), and
-- the creditor's decisions on escalation requests (made by a person, or by the default when the
-- deadline passed — recorded as such).
CREATE TABLE creditor_users (
    id                    INTEGER PRIMARY KEY,
    creditor_id           BIGINT  NOT NULL REFERENCES creditors (id),
    email                 TEXT    NOT NULL UNIQUE,
    display_name          TEXT    NOT NULL,
    password_hash         TEXT    NOT NULL,
    role                  TEXT    NOT NULL CHECK (role IN ('owner', 'viewer')),
    failed_logins         BIGINT  NOT NULL DEFAULT 0,
    locked_until          BIGINT,
    active                BIGINT  NOT NULL DEFAULT 1,
    sessions_valid_after  BIGINT  NOT NULL DEFAULT 0,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
);
CREATE INDEX creditor_users_creditor_idx ON creditor_users (creditor_id);

CREATE TABLE consent_decisions (
    id                INTEGER PRIMARY KEY,
    case_id           BIGINT  NOT NULL REFERENCES cases (id),
    creditor_user_id  BIGINT  REFERENCES creditor_users (id),
    approved          BIGINT  NOT NULL,
    comment           TEXT    NOT NULL,
    by_default        BIGINT  NOT NULL DEFAULT 0,
    submission_key    TEXT    NOT NULL UNIQUE,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX consent_decisions_case_idx ON consent_decisions (case_id);
