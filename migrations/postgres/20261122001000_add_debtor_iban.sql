-- The debtor's account as the creditor handed it over (electronic form), for matching payments.
ALTER TABLE debtors ADD COLUMN iban TEXT;
