-- Sessions of a staff member that proved the password before this instant are no longer valid
-- (set when the password changes, so a stolen session dies with the old password).
ALTER TABLE staff_users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;
