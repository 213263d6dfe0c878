-- Instalment plans and deferrals (a deferral is a plan with one instalment). request holds the
-- proposal as made and schedule the resulting instalments (both JSON of the domain types);
-- cost_minor is the agreement's cost shown before acceptance (§ 13a (3) RDG), and
-- cost_notice_seen_at when the debtor confirmed having read it. A counter-offer is a plan proposed by
-- a handler in state 'countered'; only one proposal per case is open at a time.

CREATE TABLE plans (
    id                   INTEGER PRIMARY KEY,
    case_id              BIGINT  NOT NULL REFERENCES cases (id),
    state                TEXT    NOT NULL CHECK (state IN ('proposed', 'countered', 'agreed', 'declined', 'broken', 'completed', 'withdrawn')),
    proposed_by          TEXT    NOT NULL CHECK (proposed_by IN ('debtor', 'handler')),
    request              TEXT    NOT NULL,
    schedule             TEXT    NOT NULL,
    cost_minor           BIGINT  NOT NULL,
    reasons              TEXT    NOT NULL,
    cost_notice_seen_at  BIGINT,
    submission_key       TEXT    NOT NULL,
    decided_at           BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    UNIQUE (case_id, submission_key)
);
CREATE INDEX plans_case_idx ON plans (case_id, state);

CREATE TABLE plan_instalments (
    id            INTEGER PRIMARY KEY,
    plan_id       BIGINT  NOT NULL REFERENCES plans (id),
    number        BIGINT  NOT NULL,
    due_date      TEXT    NOT NULL,
    amount_minor  BIGINT  NOT NULL,
    currency      TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (plan_id, number)
);
