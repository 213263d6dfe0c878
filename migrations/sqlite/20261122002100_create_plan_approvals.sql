-- A handler's request for the creditor's approval of a debtor's plan proposal outside the class's
-- rules, with the handler's recommendation. The creditor approves or declines in the consent
-- inbox with a comment; when nobody answers within the class's days, the class's default applies
-- and is recorded as such (by_default = 1, creditor_user_id NULL). One request per plan.
CREATE TABLE plan_approvals (
    id                INTEGER PRIMARY KEY,
    case_id           BIGINT  NOT NULL REFERENCES cases (id),
    plan_id           BIGINT  NOT NULL UNIQUE REFERENCES plans (id),
    staff_id          BIGINT  NOT NULL REFERENCES staff_users (id),
    recommend_approve BIGINT  NOT NULL,
    note              TEXT    NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'declined')),
    creditor_user_id  BIGINT  REFERENCES creditor_users (id),
    comment           TEXT    NOT NULL DEFAULT '',
    by_default        BIGINT  NOT NULL DEFAULT 0,
    decided_at        BIGINT,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX plan_approvals_case_idx ON plan_approvals (case_id);
CREATE INDEX plan_approvals_open_idx ON plan_approvals (state, created_at);

-- Per treatment class: what applies to a plan approval nobody answered in time — the handler's
-- recommendation (the default), or always decline, or always approve.
ALTER TABLE treatment_classes ADD COLUMN plan_consent_default TEXT NOT NULL DEFAULT 'recommendation'
    CHECK (plan_consent_default IN ('recommendation', 'decline', 'approve'));
