-- Per treatment class: interest and costs handed over with a claim are not charged to the debtor
-- (e.g. for key accounts). Applies to claims handed over from then on.
ALTER TABLE treatment_classes ADD COLUMN waive_interest BIGINT NOT NULL DEFAULT 0;
ALTER TABLE treatment_classes ADD COLUMN waive_costs BIGINT NOT NULL DEFAULT 0;
