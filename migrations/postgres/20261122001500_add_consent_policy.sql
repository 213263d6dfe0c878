-- Per treatment class: how many days the creditor has to answer an escalation request, and what
-- applies when nobody answers in time ('decline' unless the creditor chose 'approve').
ALTER TABLE treatment_classes ADD COLUMN consent_days BIGINT NOT NULL DEFAULT 10;
ALTER TABLE treatment_classes ADD COLUMN consent_default TEXT NOT NULL DEFAULT 'decline' CHECK (consent_default IN ('decline', 'approve'));
