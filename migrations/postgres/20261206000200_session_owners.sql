-- Whose sessions a row holds (taken from the session's data whenever it is saved), so that staff
-- and creditor users can see and end their own sessions, and a password change can end the others.
ALTER TABLE sessions ADD COLUMN staff_id BIGINT;
ALTER TABLE sessions ADD COLUMN creditor_user_id BIGINT;
CREATE INDEX sessions_staff_idx ON sessions (staff_id) WHERE staff_id IS NOT NULL;
CREATE INDEX sessions_creditor_user_idx ON sessions (creditor_user_id) WHERE creditor_user_id IS NOT NULL;
