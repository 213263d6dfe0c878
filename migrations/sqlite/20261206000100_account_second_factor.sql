-- Two-step sign-in for staff and creditor users (TOTP, RFC 6238) and first passwords that must be
-- changed. totp_secret is the shared key in Base32 (NULL: not set up); totp_last_step is the last
-- 30-second step whose code was accepted, so that a code works only once.
ALTER TABLE staff_users ADD COLUMN totp_secret TEXT;
ALTER TABLE staff_users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE staff_users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE creditor_users ADD COLUMN totp_secret TEXT;
ALTER TABLE creditor_users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE creditor_users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
