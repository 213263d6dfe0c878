-- The note a handler gives when dismissing a bank entry lives with the entry, where erasure after
-- the retention period blanks it, instead of in the append-only audit log (which records only that
-- there was one).
ALTER TABLE bank_entries ADD COLUMN dismissal_note TEXT;
