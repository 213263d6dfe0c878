-- The dunning engine. Each treatment class has a cadence (JSON of the domain's Cadence; empty:
-- the default for the class's key). Every step the engine takes is one row, unique per case and
-- step, written in the same transaction as its effects (state, timeline, email in the outbox), so
-- a step is taken once however often the engine runs or is interrupted. A creditor's "we will call
-- them ourselves" is a hold with reason CreditorPause; the step that ends it is a row here too.
-- Letters (debtors reached by post) wait in the same table until they are exported for printing.
ALTER TABLE treatment_classes ADD COLUMN cadence TEXT NOT NULL DEFAULT '';

CREATE TABLE dunning_steps (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases (id),
    step_key    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    channel     TEXT    NOT NULL CHECK (channel IN ('email', 'letter', 'none')),
    due_on      TEXT    NOT NULL,
    done_at     BIGINT  NOT NULL,
    -- A letter's subject and text (NULL for emails, which live in the outbox).
    letter_subject TEXT,
    letter_body    TEXT,
    exported_at BIGINT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (case_id, step_key)
);
CREATE INDEX cases_state_idx ON cases (state, id);
