-- Hand-over files uploaded in the creditor portal: imported in the background (one transaction,
-- so an interrupted import leaves nothing behind), with progress and the report kept for the
-- creditor.
CREATE TABLE import_jobs (
    id                INTEGER PRIMARY KEY,
    creditor_id       BIGINT  NOT NULL REFERENCES creditors (id),
    creditor_user_id  BIGINT  REFERENCES creditor_users (id),
    filename          TEXT    NOT NULL,
    partial           BIGINT  NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('running', 'done', 'rejected', 'failed')),
    rows_read         BIGINT  NOT NULL DEFAULT 0,
    imported          BIGINT  NOT NULL DEFAULT 0,
    problems          BIGINT  NOT NULL DEFAULT 0,
    report            TEXT    NOT NULL DEFAULT '',
    finished_at       BIGINT,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX import_jobs_creditor_idx ON import_jobs (creditor_id, id);
