-- The debtor's answer to "How fairly were you treated?" after the case ended: a score from 1 to 5
-- and an optional comment, once per case. Shown to the creditor per treatment class and path.
CREATE TABLE satisfaction_answers (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT  NOT NULL UNIQUE REFERENCES cases (id),
    score       BIGINT  NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
