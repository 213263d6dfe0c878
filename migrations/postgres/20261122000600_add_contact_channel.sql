-- How the debtor prefers to be contacted: 'email' or 'letter'.
ALTER TABLE debtors ADD COLUMN contact_channel TEXT NOT NULL DEFAULT 'email';
