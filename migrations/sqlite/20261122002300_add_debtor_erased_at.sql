-- When a debtor was anonymised after the retention period (`server erase`); NULL while the data
-- is held.
ALTER TABLE debtors ADD COLUMN erased_at BIGINT;
