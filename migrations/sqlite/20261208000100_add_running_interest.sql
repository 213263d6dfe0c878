-- Default interest that runs until the debt is paid (§§ 286, 288 BGB).
-- A customer group may charge statutory default interest from the first day of default, computed
-- whenever a case is read; before a payment is allocated, the interest up to its value date (and,
-- for a business, the lump sum of § 288 (5) BGB) is written as a claim item, so the ledger holds
-- what each payment was allocated against. `accrued` names such items ('interest' or 'lump_sum';
-- NULL for what the creditor handed over) and `segments` keeps their calculation as shown to the
-- debtor: one [principal, rate in basis points, first day, day after the last, days, interest] each.
ALTER TABLE treatment_classes ADD COLUMN running_interest BIGINT NOT NULL DEFAULT 0;
ALTER TABLE claim_items ADD COLUMN accrued TEXT CHECK (accrued IN ('interest', 'lump_sum'));
ALTER TABLE claim_items ADD COLUMN segments TEXT;
