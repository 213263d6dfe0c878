-- Matching a bank entry looks cases up by their reference without dashes (as payers type it)
-- and suggests debtors by IBAN without spaces or by name. Indexes on exactly those expressions
-- turn each look-up from a scan of every case into one index probe (see BENCHMARKS.md).
CREATE INDEX cases_reference_compact_idx ON cases (REPLACE(reference, '-', ''));
CREATE INDEX debtors_iban_compact_idx ON debtors (REPLACE(UPPER(iban), ' ', ''));
CREATE INDEX debtors_name_lower_idx ON debtors (LOWER(name));
