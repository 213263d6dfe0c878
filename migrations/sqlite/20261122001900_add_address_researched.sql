-- § 13a (1) no. 7 RDG: when the debtor's address was not given by the creditor but researched, the
-- debtor is told so (and how to report a wrong one). Set at hand-over; 0 = the creditor's address.
ALTER TABLE debtors ADD COLUMN address_researched BIGINT NOT NULL DEFAULT 0;
