-- Customer activity reported by the creditor (retention): what a debtor did at the creditor — an
-- order, a renewal, an invoice paid on time, a closed account — matched to the debtor by the
-- creditor's customer number. One row per creditor and event id: a repeated report changes nothing.
CREATE TABLE customer_activities (
    id               INTEGER PRIMARY KEY,
    creditor_id      BIGINT  NOT NULL REFERENCES creditors (id),
    debtor_id        BIGINT  NOT NULL REFERENCES debtors (id),
    event_id         TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    occurred_on      TEXT    NOT NULL,
    amount_minor     BIGINT,
    currency         TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (creditor_id, event_id)
);

CREATE INDEX customer_activities_debtor_idx ON customer_activities (debtor_id, occurred_on);
