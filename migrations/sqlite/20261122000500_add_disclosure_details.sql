-- Details § 13a RDG requires on the debtor's statement: for interest items the interest-bearing
-- amount and the rate (the period is period_start/period_end), and for costs whether VAT is
-- included (then the debtor is told that the creditor cannot deduct it as input tax).

ALTER TABLE claim_items ADD COLUMN interest_base_minor BIGINT;
ALTER TABLE claim_items ADD COLUMN interest_rate_bp BIGINT;
ALTER TABLE claim_items ADD COLUMN vat_included BIGINT NOT NULL DEFAULT 0;
