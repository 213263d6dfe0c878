-- Counters of attempts (sign-ins, debtor verifications, reference checks, API requests), shared
-- by every instance of the server. One row per scope and subject (a client's key, an account, a
-- case): the attempts of its current window and when that window began (epoch milliseconds). An
-- attempt is counted by one INSERT … ON CONFLICT DO UPDATE … RETURNING before the secret it
-- guards is checked, so parallel attempts can never all read the same count.
CREATE TABLE attempt_windows (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    tries BIGINT NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX attempt_windows_start_idx ON attempt_windows (window_start);
