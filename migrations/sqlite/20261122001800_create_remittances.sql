-- Remittance reports: per creditor and calendar month (UTC), the payments booked for its cases and
-- what of them is passed on. A payment belongs to at most one report (payments.remittance_id), set
-- in the transaction that writes the report, so nothing is reported twice or left out; a payment
-- booked after its month's report was made goes into the next month's. One report per creditor and
-- month, however often the monthly run happens.
CREATE TABLE remittances (
    id               INTEGER PRIMARY KEY,
    creditor_id      BIGINT  NOT NULL REFERENCES creditors (id),
    period           TEXT    NOT NULL,
    payments         BIGINT  NOT NULL,
    collected_minor  BIGINT  NOT NULL,
    principal_minor  BIGINT  NOT NULL,
    interest_minor   BIGINT  NOT NULL,
    costs_minor      BIGINT  NOT NULL,
    credit_minor     BIGINT  NOT NULL,
    passed_on_minor  BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (creditor_id, period)
);

ALTER TABLE payments ADD COLUMN remittance_id BIGINT REFERENCES remittances (id);
CREATE INDEX payments_remittance_idx ON payments (remittance_id);
