-- A part of a claim waived or written off is a ledger entry of its own, never an edit of an item:
-- what it lowers (the item), by how much, from which day, why and who decided. It is no money
-- received, so it is neither a payment nor passed on to the creditor; the balance is every item
-- less every payment less every write-down. Running interest stops on a written-down principal
-- from the write-down's value date.
CREATE TABLE write_downs (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT  NOT NULL REFERENCES cases (id),
    item_id       BIGINT  NOT NULL REFERENCES claim_items (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('write_off')),
    amount_minor  BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency      TEXT    NOT NULL,
    value_date    TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    staff_id      BIGINT  REFERENCES staff_users (id),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX write_downs_case_idx ON write_downs (case_id);
